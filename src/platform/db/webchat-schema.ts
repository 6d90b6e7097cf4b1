import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contactIdentities, contacts, conversations, organizations } from './core-schema';

/**
 * A one-time code sent to prove that the holder of an identity (a web chat session) is a known
 * contact. One row per identity: a new request replaces the previous code. Only an HMAC of the code
 * is stored. `contactId` is null for a decoy row, written when the details matched no single
 * contact, so that a wrong code and a code nobody was sent answer alike.
 */
export const identityVerificationCodes = pgTable(
  'identity_verification_codes',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    identityKind: text('identity_kind').notNull(),
    identityAddress: text('identity_address').notNull(),
    contactId: uuid('contact_id').references(() => contacts.id),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.identityKind, t.identityAddress] }),
    index('identity_verification_codes_expiry_idx').on(t.expiresAt),
  ],
);

/**
 * An identity whose holder proved to be `contactId` (e.g. a web chat session confirmed by a code
 * sent to the contact's phone). It counts only while the identity still belongs to that contact.
 */
export const identityVerifications = pgTable('identity_verifications', {
  identityId: uuid('identity_id')
    .primaryKey()
    .references(() => contactIdentities.id),
  orgId: uuid('org_id')
    .notNull()
    .references(() => organizations.id),
  contactId: uuid('contact_id')
    .notNull()
    .references(() => contacts.id),
  /** How it was proved, e.g. `code:sms`. */
  method: text('method').notNull(),
  verifiedAt: timestamp('verified_at', { withTimezone: true }).notNull().defaultNow(),
  /** The session's last sign of life; with verifiedAt, when the verification lapses (VerifiedSessionLifetime). */
  lastActiveAt: timestamp('last_active_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A web chat visitor's "text me when you reply" (src/texthandoff): the phone they gave, with
 * consent, for this conversation's replies while their chat is closed. One row per conversation;
 * asking again replaces it. `status` is `active` when the phone is this chat contact's own (texts
 * go), `held` when it is on file for another contact: nothing is merged or texted until staff
 * decide (see the rule in text-request.ts).
 */
export const chatTextRequests = pgTable(
  'chat_text_requests',
  {
    conversationId: uuid('conversation_id')
      .primaryKey()
      .references(() => conversations.id),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    /** The chat session's address (its `webchat` identity): whose socket tells whether the visitor is there. */
    chatAddress: text('chat_address').notNull(),
    /** E.164. */
    phone: text('phone').notNull(),
    status: text('status').$type<'active' | 'held'>().notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('chat_text_requests_contact_idx').on(t.contactId)],
);
