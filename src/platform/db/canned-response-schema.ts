import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations, staffUsers } from './core-schema';

/**
 * A clinic's canned responses: text staff insert into a reply by typing `/` and the shortcut. Kept
 * in the database and managed in the page by supervisors and admins (not YAML, unlike templates).
 */
export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    /** What follows `/` in the composer: lower-case letters, digits and dashes. */
    shortcut: text('shortcut').notNull(),
    body: text('body').notNull(),
    createdBy: uuid('created_by').references(() => staffUsers.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('canned_responses_org_shortcut_idx').on(t.orgId, sql`lower(${t.shortcut})`)],
);
