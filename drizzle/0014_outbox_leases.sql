-- An outbox claim (pending -> sending) carries a lease: claimed_at when a worker took it, lease_until
-- when the claim lapses if the worker never records an outcome (its process died, its job was lost
-- with Redis, or the provider's answer never came). The sweeper takes expired leases and the send job
-- reconciles them with the provider before deciding to send; send_attempts counts the claims.
ALTER TABLE "messages" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "messages_lease_idx" ON "messages" USING btree ("lease_until") WHERE "messages"."status" = 'sending';
