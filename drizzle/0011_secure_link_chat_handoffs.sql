-- A patient who confirmed their date of birth on a secure link may continue in the web chat as that
-- contact: the link page issues a single-use handoff that the chat exchanges for a verified session.
-- Only the SHA-256 of the handoff token is kept; used_at makes it single-use in one UPDATE.
CREATE TABLE "secure_link_chat_handoffs" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"secure_link_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "secure_link_chat_handoffs" ADD CONSTRAINT "secure_link_chat_handoffs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secure_link_chat_handoffs" ADD CONSTRAINT "secure_link_chat_handoffs_secure_link_id_secure_links_id_fk" FOREIGN KEY ("secure_link_id") REFERENCES "public"."secure_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secure_link_chat_handoffs" ADD CONSTRAINT "secure_link_chat_handoffs_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "secure_link_chat_handoffs_expiry_idx" ON "secure_link_chat_handoffs" USING btree ("expires_at");
