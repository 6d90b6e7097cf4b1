-- The SLA clock stops at the first staff reply: the reply clears conversations.sla_due_at (the
-- conversation is no longer waiting on the clinic) and keeps the due time it answered on the reply
-- itself, so a late answer still counts in today's breaches. A new patient message starts a new
-- clock when triage routes it.
ALTER TABLE "messages" ADD COLUMN "answered_sla_due_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "messages_sla_answered_idx" ON "messages" USING btree ("org_id","created_at") WHERE "messages"."answered_sla_due_at" IS NOT NULL;--> statement-breakpoint
-- A reconnecting inbox socket is re-sent the events stored shortly before its last one (see
-- src/inbox/realtime/event-replay.ts): found by time.
CREATE INDEX "hub_events_created_idx" ON "hub_events" USING btree ("org_id","created_at");
