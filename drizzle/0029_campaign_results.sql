-- Outbound campaign messages carry their campaign (as replies already did), so a campaign's messages
-- still to go are found by index. Earlier campaign messages get it from their recipient rows.
UPDATE "messages" m SET "campaign_id" = r."campaign_id" FROM "campaign_recipients" r WHERE r."message_id" = m."id" AND m."campaign_id" IS NULL;--> statement-breakpoint
CREATE INDEX "messages_campaign_outbox_idx" ON "messages" USING btree ("campaign_id","scheduled_for") WHERE "messages"."campaign_id" is not null and "messages"."status" in ('pending', 'sending');
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "end_at" timestamp with time zone;--> statement-breakpoint
CREATE TABLE "audience_members" (
	"audience_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	CONSTRAINT "audience_members_audience_id_contact_id_pk" PRIMARY KEY("audience_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "audiences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text DEFAULT 'filter' NOT NULL,
	"name" text NOT NULL,
	"created_by" uuid,
	"filter" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audience_members" ADD CONSTRAINT "audience_members_audience_id_audiences_id_fk" FOREIGN KEY ("audience_id") REFERENCES "public"."audiences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audience_members" ADD CONSTRAINT "audience_members_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audiences" ADD CONSTRAINT "audiences_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audiences" ADD CONSTRAINT "audiences_created_by_staff_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audiences_org_name_key" ON "audiences" USING btree ("org_id","name");