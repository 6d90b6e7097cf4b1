-- The automatic "we got your message" reply: on/off, how often, and the clinic's own wording per
-- language (src/triage/acknowledgement.ts). Null keeps the defaults: off, once per 4 hours, shipped text.
ALTER TABLE "organizations" ADD COLUMN "acknowledgement" jsonb;