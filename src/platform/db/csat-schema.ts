import { sql } from 'drizzle-orm';
import { check, index, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts, conversations, messages, organizations } from './core-schema';

/**
 * One rating question ("How did we do? Reply 1-5") per resolved conversation, and the patient's
 * answer. Unique per conversation: a conversation resolved, reopened and resolved again is asked once.
 */
export const csatSurveys = pgTable(
  'csat_surveys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    /** The question as sent: its channel and address are where an answer is looked for. */
    questionMessageId: uuid('question_message_id')
      .notNull()
      .references(() => messages.id),
    channel: text('channel').notNull(),
    address: text('address').notNull(),
    /** After this an answer is an ordinary message. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rating: smallint('rating'),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
    answerMessageId: uuid('answer_message_id').references(() => messages.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('csat_surveys_conversation_idx').on(t.conversationId),
    // An inbound "4" looks for an open question to its sender on its channel.
    index('csat_surveys_open_idx').on(t.channel, t.address).where(sql`${t.rating} is null`),
    // The supervisor view: the clinic's latest ratings.
    index('csat_surveys_rated_idx').on(t.orgId, t.ratedAt).where(sql`${t.rating} is not null`),
    check('csat_surveys_rating_range', sql`${t.rating} between 1 and 5`),
  ],
);

export type CsatSurveyRow = typeof csatSurveys.$inferSelect;
