-- Reply attribution: an inbound message carries the campaign it answers (src/campaigns/reply-attribution.ts).
ALTER TABLE "messages" ADD COLUMN "campaign_id" uuid;--> statement-breakpoint
CREATE INDEX "campaign_recipients_contact_idx" ON "campaign_recipients" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "messages_campaign_reply_idx" ON "messages" USING btree ("campaign_id","contact_id") WHERE "messages"."campaign_id" is not null;