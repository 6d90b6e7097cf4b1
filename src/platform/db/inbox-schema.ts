import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { conversations, organizations, staffUsers } from './core-schema';

/**
 * The staff queues of a clinic, by slug (`front-desk`). Triage routes to the seeded ones; admins add
 * more. `slaMinutes` is the answer time given to a conversation that arrives without one of its own.
 */
export const queues = pgTable(
  'queues',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    slaMinutes: integer('sla_minutes').notNull().default(1440),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/** Staff-only notes on a conversation: shown in the inbox, never sent to the patient. */
export const conversationNotes = pgTable(
  'conversation_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    authorStaffId: uuid('author_staff_id')
      .notNull()
      .references(() => staffUsers.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversation_notes_conversation_idx').on(t.conversationId, t.createdAt)],
);

/**
 * How far each staff member has read a conversation: messages created after `readAt` are unread for
 * her. Per person, so one colleague opening a thread does not hide it from the others.
 */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staffUsers.id),
    readAt: timestamp('read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.staffId] })],
);

/**
 * A conversation put aside until `until`. It counts as snoozed only while `until` is in the future;
 * a patient writing deletes the row (see touchConversations), so it comes back at once.
 */
export const conversationSnoozes = pgTable('conversation_snoozes', {
  conversationId: uuid('conversation_id')
    .primaryKey()
    .references(() => conversations.id),
  until: timestamp('until', { withTimezone: true }).notNull(),
  staffId: uuid('staff_id')
    .notNull()
    .references(() => staffUsers.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
