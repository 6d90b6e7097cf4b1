CREATE TABLE "csat_surveys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"question_message_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"rating" smallint,
	"rated_at" timestamp with time zone,
	"answer_message_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "csat_surveys_rating_range" CHECK ("csat_surveys"."rating" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "csat" jsonb;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_question_message_id_messages_id_fk" FOREIGN KEY ("question_message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_answer_message_id_messages_id_fk" FOREIGN KEY ("answer_message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "csat_surveys_conversation_idx" ON "csat_surveys" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "csat_surveys_open_idx" ON "csat_surveys" USING btree ("channel","address") WHERE "csat_surveys"."rating" is null;--> statement-breakpoint
CREATE INDEX "csat_surveys_rated_idx" ON "csat_surveys" USING btree ("org_id","rated_at") WHERE "csat_surveys"."rating" is not null;