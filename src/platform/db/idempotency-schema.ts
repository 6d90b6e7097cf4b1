import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { staffUsers } from './core-schema';

/**
 * `Idempotency-Key`s of staff API writes, kept 24 hours: the first request with a key runs, and its
 * answer is kept so a retry with the same key and body gets it again instead of sending twice.
 * `requestHash` is a SHA-256 of method, path and body: the same key with another request is refused.
 * `responseStatus` is null while the first request runs.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staffUsers.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.staffId, t.key] }),
    // The purge of expired keys.
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);
