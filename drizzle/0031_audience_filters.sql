ALTER TABLE "audience_members" ADD COLUMN "columns" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "contacts_attributes_idx" ON "contacts" USING gin ("attributes");--> statement-breakpoint
CREATE INDEX "messages_inbound_contact_idx" ON "messages" USING btree ("contact_id","created_at") WHERE "messages"."direction" = 'inbound';