import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts, conversations, organizations } from './core-schema';

/**
 * A link to content that may not travel by SMS or email (PHI): the patient reads it at `/s/<token>`
 * after confirming their date of birth. Only the SHA-256 of the token is stored, so a database leak
 * does not leak live links.
 */
export const secureLinks = pgTable(
  'secure_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    /** The only contact whose date of birth opens the link. */
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    tokenHash: text('token_hash').notNull(),
    /** The messages shown behind the link, in no particular order (the page sorts them by time). */
    messageIds: jsonb('message_ids').$type<string[]>().notNull().default([]),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    firstOpenedAt: timestamp('first_opened_at', { withTimezone: true }),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('secure_links_token_hash_key').on(t.tokenHash),
    index('secure_links_conversation_idx').on(t.conversationId),
    // The unread-reminder sweep looks only at links nobody has opened, locked or reminded yet.
    index('secure_links_unread_idx')
      .on(t.createdAt)
      .where(sql`${t.verifiedAt} is null and ${t.lockedAt} is null and ${t.reminderSentAt} is null`),
  ],
);

/**
 * A single-use handoff from a secure link (date of birth confirmed) to the web chat: the chat session
 * that presents it within minutes becomes a verified session of the link's contact. Only the SHA-256
 * of the token is stored; `usedAt` is set by the one UPDATE that redeems it.
 */
export const secureLinkChatHandoffs = pgTable(
  'secure_link_chat_handoffs',
  {
    tokenHash: text('token_hash').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    secureLinkId: uuid('secure_link_id')
      .notNull()
      .references(() => secureLinks.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('secure_link_chat_handoffs_expiry_idx').on(t.expiresAt)],
);
