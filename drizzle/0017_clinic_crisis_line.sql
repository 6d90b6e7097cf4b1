-- The crisis line the emergency safety reply names (988, the US Suicide & Crisis Lifeline, unless the
-- clinic sets its own in PATCH /api/v1/settings).
ALTER TABLE "organizations" ADD COLUMN "crisis_line" text DEFAULT '988' NOT NULL;
