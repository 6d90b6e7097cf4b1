import { index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Small pieces of state a channel adapter keeps between requests (a Bot Framework conversation
 * reference, a web chat verification code, a call in progress), keyed per channel. Adapters reach it
 * through the channel port (`ChannelContext.stateFor`), never through the schema.
 */
export const channelState = pgTable(
  'channel_state',
  {
    channel: text('channel').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').$type<unknown>().notNull(),
    /** Null: kept until deleted. Expired rows read as absent and are purged now and then. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.key] }), index('channel_state_expiry_idx').on(t.expiresAt)],
);
