import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contactIdentities, contacts, organizations } from './core-schema';

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
