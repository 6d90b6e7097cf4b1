-- Campaigns: the campaign an inbound reply answers (src/campaigns/reply-attribution.ts), and an index
-- for the frequency cap's count of a contact's recent marketing messages (src/campaigns/frequency-cap.ts).
ALTER TABLE "messages" ADD COLUMN "campaign_id" uuid;--> statement-breakpoint
CREATE INDEX "campaign_recipients_contact_idx" ON "campaign_recipients" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "messages_marketing_idx" ON "messages" USING btree ("contact_id","created_at") WHERE "messages"."direction" = 'outbound' and "messages"."policy"->>'purpose' = 'marketing';--> statement-breakpoint
CREATE INDEX "messages_campaign_reply_idx" ON "messages" USING btree ("campaign_id","contact_id") WHERE "messages"."campaign_id" is not null;