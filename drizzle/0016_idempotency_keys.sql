-- Idempotency-Key of staff API writes, per staff member, kept 24 hours (purged periodically): the
-- first request with a key runs and its answer is kept, so a retry after a lost answer gets the same
-- answer instead of a second send. The primary key makes two concurrent requests with one key take
-- turns: exactly one inserts the row and runs.
CREATE TABLE "idempotency_keys" (
	"staff_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_staff_id_key_pk" PRIMARY KEY("staff_id","key")
);--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_staff_id_staff_users_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");
