import {
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { contacts, organizations, staffUsers } from './core-schema';

export type DuplicateSuggestionStatus = 'open' | 'merged' | 'dismissed';

/**
 * Why two contacts may be one person:
 * - `same_name_and_email_local_part`: a new email sender gave the name of a contact whose email on
 *   file has the same local part (ana.lopez@work vs ana.lopez@home);
 * - `replied_from_new_address`: a signed reply to our message came from an address nobody has;
 * - `replied_from_other_contact`: such a reply came from an address another contact has;
 * - `same_display_name`: a new Bot Framework user has the full name of a contact on file (no more
 *   than a few share it).
 */
export type DuplicateSuggestionReason =
  | 'same_name_and_email_local_part'
  | 'same_display_name'
  | 'replied_from_new_address'
  | 'replied_from_other_contact';

/**
 * Possible duplicates for staff to look at. The hub never merges contacts by itself: it only writes
 * these rows, once per pair and reason.
 */
export const contactDuplicateSuggestions = pgTable(
  'contact_duplicate_suggestions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    /** The contact that was there first. */
    contactAId: uuid('contact_a_id')
      .notNull()
      .references(() => contacts.id),
    /** The contact that looks like it. */
    contactBId: uuid('contact_b_id')
      .notNull()
      .references(() => contacts.id),
    reason: text('reason').$type<DuplicateSuggestionReason>().notNull(),
    status: text('status').$type<DuplicateSuggestionStatus>().notNull().default('open'),
    /** Ids only (the message that raised it, the message it answered): never names or addresses. */
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => staffUsers.id),
  },
  (t) => [
    uniqueIndex('contact_duplicate_suggestions_pair_key').on(t.contactAId, t.contactBId, t.reason),
    index('contact_duplicate_suggestions_b_idx').on(t.contactBId),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // node-postgres answers with a Buffer, PGlite with a Uint8Array.
  fromDriver: (value) => Buffer.from(value),
});

/**
 * Files that came with inbound messages (email attachments up to EMAIL_MAX_ATTACHMENT_BYTES). Stored
 * before the message, under ids derived from the provider's message id, so a redelivered message
 * finds its files again instead of storing them twice. Read through the staff API only.
 */
export const inboundAttachments = pgTable(
  'inbound_attachments',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    channel: text('channel').notNull(),
    providerMessageId: text('provider_message_id').notNull(),
    ordinal: integer('ordinal').notNull(),
    filename: text('filename'),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    content: bytea('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('inbound_attachments_message_idx').on(t.channel, t.providerMessageId)],
);
