-- Outbound campaign messages carry their campaign (as replies already did), so a campaign's messages
-- still to go are found by index. Earlier campaign messages get it from their recipient rows.
UPDATE "messages" m SET "campaign_id" = r."campaign_id" FROM "campaign_recipients" r WHERE r."message_id" = m."id" AND m."campaign_id" IS NULL;--> statement-breakpoint
CREATE INDEX "messages_campaign_outbox_idx" ON "messages" USING btree ("campaign_id","scheduled_for") WHERE "messages"."campaign_id" is not null and "messages"."status" in ('pending', 'sending');
