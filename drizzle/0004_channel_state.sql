CREATE TABLE "channel_state" (
	"channel" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_state_channel_key_pk" PRIMARY KEY("channel","key")
);
--> statement-breakpoint
CREATE INDEX "channel_state_expiry_idx" ON "channel_state" USING btree ("expires_at");