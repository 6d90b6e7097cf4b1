ALTER TABLE "campaigns" ADD COLUMN "audience_count" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "recipients_inserted_at" timestamp with time zone;--> statement-breakpoint
-- Campaigns started before this migration inserted their recipients in the start itself.
UPDATE "campaigns" SET "recipients_inserted_at" = coalesce("started_at", "updated_at") WHERE "status" <> 'draft';
