-- A send that failed for good is tried again as a new outbox row (through policy), never by
-- resurrecting the failed one: the failed row keeps its status and names the new one (retried_as).
-- retried_at marks a retry taken, so two staff pressing Retry together send it once. Failed sends
-- not retried are counted per queue for staff: the partial index keeps that count to the few rows
-- it concerns.
ALTER TABLE "messages" ADD COLUMN "retried_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "retried_as" uuid;--> statement-breakpoint
CREATE INDEX "messages_failed_sends_idx" ON "messages" USING btree ("conversation_id") WHERE "messages"."direction" = 'outbound' AND "messages"."status" IN ('failed', 'undelivered') AND "messages"."retried_as" IS NULL;
