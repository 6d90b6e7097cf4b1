ALTER TABLE "campaign_recipients" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "campaign_recipients_ready_idx" ON "campaign_recipients" USING btree ("campaign_id","due_at","id") WHERE "campaign_recipients"."status" = 'ready';