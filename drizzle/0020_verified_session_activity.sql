-- A verified web chat session expires: after WEBCHAT_VERIFIED_IDLE_MINUTES without activity, and
-- WEBCHAT_VERIFIED_MAX_HOURS after it was verified, whatever the activity. last_active_at slides.
ALTER TABLE "identity_verifications" ADD COLUMN "last_active_at" timestamp with time zone DEFAULT now() NOT NULL;
