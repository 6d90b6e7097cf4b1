-- Contact matching: possible-duplicate suggestions (never merged by the hub itself) and the files
-- that came with inbound messages (email attachments), kept in the database at their small size.
CREATE TABLE "contact_duplicate_suggestions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"contact_a_id" uuid NOT NULL,
	"contact_b_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid,
	CONSTRAINT "contact_duplicate_suggestions_distinct" CHECK ("contact_a_id" <> "contact_b_id"),
	CONSTRAINT "contact_duplicate_suggestions_status" CHECK ("status" IN ('open', 'merged', 'dismissed'))
);
--> statement-breakpoint
ALTER TABLE "contact_duplicate_suggestions" ADD CONSTRAINT "contact_duplicate_suggestions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_duplicate_suggestions" ADD CONSTRAINT "contact_duplicate_suggestions_contact_a_id_contacts_id_fk" FOREIGN KEY ("contact_a_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_duplicate_suggestions" ADD CONSTRAINT "contact_duplicate_suggestions_contact_b_id_contacts_id_fk" FOREIGN KEY ("contact_b_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_duplicate_suggestions" ADD CONSTRAINT "contact_duplicate_suggestions_resolved_by_staff_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contact_duplicate_suggestions_pair_key" ON "contact_duplicate_suggestions" USING btree ("contact_a_id","contact_b_id","reason");--> statement-breakpoint
CREATE INDEX "contact_duplicate_suggestions_b_idx" ON "contact_duplicate_suggestions" USING btree ("contact_b_id");--> statement-breakpoint
CREATE TABLE "inbound_attachments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"provider_message_id" text NOT NULL,
	"ordinal" integer NOT NULL,
	"filename" text,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"content" bytea NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbound_attachments" ADD CONSTRAINT "inbound_attachments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inbound_attachments_message_idx" ON "inbound_attachments" USING btree ("channel","provider_message_id");
