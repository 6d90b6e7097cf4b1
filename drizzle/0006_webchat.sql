-- Web chat: one-time codes that verify a session, and the identities verified that way.
CREATE TABLE "identity_verification_codes" (
	"org_id" uuid NOT NULL,
	"identity_kind" text NOT NULL,
	"identity_address" text NOT NULL,
	"contact_id" uuid,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identity_verification_codes_org_id_identity_kind_identity_address_pk" PRIMARY KEY("org_id","identity_kind","identity_address")
);
--> statement-breakpoint
CREATE TABLE "identity_verifications" (
	"identity_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"method" text NOT NULL,
	"verified_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_verification_codes" ADD CONSTRAINT "identity_verification_codes_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_verification_codes" ADD CONSTRAINT "identity_verification_codes_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_verifications" ADD CONSTRAINT "identity_verifications_identity_id_contact_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."contact_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_verifications" ADD CONSTRAINT "identity_verifications_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_verifications" ADD CONSTRAINT "identity_verifications_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "identity_verification_codes_expiry_idx" ON "identity_verification_codes" USING btree ("expires_at");--> statement-breakpoint
-- A web chat session's history is read by its address (from_address inbound, to_address outbound).
CREATE INDEX "messages_webchat_from_idx" ON "messages" USING btree ("from_address","created_at") WHERE "messages"."channel" = 'webchat';--> statement-breakpoint
CREATE INDEX "messages_webchat_to_idx" ON "messages" USING btree ("to_address","created_at") WHERE "messages"."channel" = 'webchat';
