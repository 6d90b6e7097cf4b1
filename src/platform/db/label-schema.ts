import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { conversations, organizations, staffUsers } from './core-schema';

/** A clinic's conversation labels ("Billing follow-up", "Interpreter"), managed by supervisors and admins. */
export const labels = pgTable(
  'labels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    /** One of the page's label colours (LABEL_COLORS), so every label stays readable in both themes. */
    color: text('color').notNull(),
    createdBy: uuid('created_by').references(() => staffUsers.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Names are unique per clinic whatever their case: "billing" and "Billing" would be one label to a person.
  (t) => [uniqueIndex('labels_org_name_idx').on(t.orgId, sql`lower(${t.name})`)],
);

/** Which labels a conversation carries; a label's removal removes it from every conversation. */
export const conversationLabels = pgTable(
  'conversation_labels',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    addedBy: uuid('added_by').references(() => staffUsers.id),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.labelId] }),
    // The label filter of the conversation list looks conversations up by label.
    index('conversation_labels_label_idx').on(t.labelId, t.conversationId),
  ],
);
