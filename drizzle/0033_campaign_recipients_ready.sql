DROP INDEX "campaign_recipients_message_key";--> statement-breakpoint
DROP INDEX "campaign_recipients_contact_idx";--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "campaign_recipients_ready_idx" ON "campaign_recipients" USING btree ("campaign_id","due_at","id") WHERE "campaign_recipients"."status" = 'ready';--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_recipients_message_key" ON "campaign_recipients" USING btree ("message_id") WHERE "campaign_recipients"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "campaign_recipients_contact_idx" ON "campaign_recipients" USING btree ("contact_id") WHERE "campaign_recipients"."status" = 'planned';