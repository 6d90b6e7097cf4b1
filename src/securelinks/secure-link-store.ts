import { and, asc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { contacts, conversations, messages, secureLinks } from '../platform/db/schema';
import { generateLinkToken, hashLinkToken } from './secure-link-token';

export type SecureLinkRow = typeof secureLinks.$inferSelect;

/** Wrong answers after which a link is locked for good (the patient calls the clinic). */
export const MAX_FAILED_ATTEMPTS = 5;

export interface NewSecureLink {
  orgId: string;
  contactId: string;
  conversationId: string;
  /** The messages the link shows; they must belong to the contact. */
  messageIds: string[];
  /** The hub's public base URL (PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  ttlDays?: number;
}

export interface IssuedSecureLink {
  id: string;
  /** The secret part of the URL. Returned once, never stored. */
  token: string;
  url: string;
  expiresAt: Date;
}

/** A link that cannot be issued: the caller asked for something the link could never honour. */
export class SecureLinkRefused extends Error {
  constructor(
    readonly code: 'contact_not_found' | 'no_date_of_birth' | 'conversation_mismatch' | 'message_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'SecureLinkRefused';
  }
}

/**
 * Creates a link to `messageIds` for one contact. Refuses a contact without a date of birth (nobody
 * could ever open it) and messages or a conversation of another contact (the link would leak them).
 */
export async function issueSecureLink(tx: Queryable, input: NewSecureLink): Promise<IssuedSecureLink> {
  const [contact] = await tx
    .select({ dateOfBirth: contacts.dateOfBirth })
    .from(contacts)
    .where(and(eq(contacts.id, input.contactId), eq(contacts.orgId, input.orgId)))
    .limit(1);
  if (!contact) throw new SecureLinkRefused('contact_not_found', 'No such contact in this organization');
  if (!contact.dateOfBirth) {
    throw new SecureLinkRefused(
      'no_date_of_birth',
      'The contact has no date of birth to confirm a link with',
    );
  }
  const [conversation] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.id, input.conversationId), eq(conversations.contactId, input.contactId)))
    .limit(1);
  if (!conversation) {
    throw new SecureLinkRefused('conversation_mismatch', 'The conversation does not belong to the contact');
  }
  const messageIds = [...new Set(input.messageIds)];
  if (messageIds.length > 0) {
    const owned = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(inArray(messages.id, messageIds), eq(messages.contactId, input.contactId)));
    if (owned.length !== messageIds.length) {
      throw new SecureLinkRefused('message_mismatch', 'Some messages do not belong to the contact');
    }
  }

  const token = generateLinkToken();
  const expiresAt = new Date(Date.now() + (input.ttlDays ?? 7) * 86_400_000);
  const id = newId();
  await tx.insert(secureLinks).values({
    id,
    orgId: input.orgId,
    contactId: input.contactId,
    conversationId: input.conversationId,
    tokenHash: hashLinkToken(token),
    messageIds,
    expiresAt,
  });
  return { id, token, url: `${input.publicUrl.replace(/\/+$/, '')}/s/${token}`, expiresAt };
}

/** The link a (well-formed) token names, whatever its state; the caller decides what expired or locked means. */
export async function findSecureLinkByToken(
  db: Queryable,
  token: string,
): Promise<SecureLinkRow | undefined> {
  const [row] = await db
    .select()
    .from(secureLinks)
    .where(eq(secureLinks.tokenHash, hashLinkToken(token)))
    .limit(1);
  return row;
}

/** Notes the first time the link was opened at all (before any date of birth is given). */
export async function markSecureLinkOpened(db: Queryable, linkId: string): Promise<void> {
  await db
    .update(secureLinks)
    .set({ firstOpenedAt: sql`now()` })
    .where(and(eq(secureLinks.id, linkId), isNull(secureLinks.firstOpenedAt)));
}

/** The date of birth a link is checked against: its own contact's, never one given by the request. */
export async function contactDateOfBirth(db: Queryable, contactId: string): Promise<string | null> {
  const [row] = await db
    .select({ dateOfBirth: contacts.dateOfBirth })
    .from(contacts)
    .where(eq(contacts.id, contactId))
    .limit(1);
  return row?.dateOfBirth ?? null;
}

/**
 * Counts one wrong answer and locks the link at the `MAX_FAILED_ATTEMPTS`th, in one statement so
 * parallel guesses cannot slip past the limit. Null when the link was already locked.
 */
export async function recordFailedAttempt(
  db: Queryable,
  linkId: string,
): Promise<{ failedAttempts: number; locked: boolean } | null> {
  const [row] = await db
    .update(secureLinks)
    .set({
      failedAttempts: sql`${secureLinks.failedAttempts} + 1`,
      lockedAt: sql`case when ${secureLinks.failedAttempts} + 1 >= ${MAX_FAILED_ATTEMPTS} then now() else null end`,
    })
    .where(and(eq(secureLinks.id, linkId), isNull(secureLinks.lockedAt)))
    .returning({ failedAttempts: secureLinks.failedAttempts, lockedAt: secureLinks.lockedAt });
  return row ? { failedAttempts: row.failedAttempts, locked: row.lockedAt !== null } : null;
}

/**
 * Records a right answer: verified (and opened) now, and the messages behind the link read. False
 * when the link was locked or expired in the meantime; then nothing is written.
 */
export async function recordVerified(tx: Queryable, link: SecureLinkRow): Promise<boolean> {
  const updated = await tx
    .update(secureLinks)
    .set({
      verifiedAt: sql`coalesce(${secureLinks.verifiedAt}, now())`,
      firstOpenedAt: sql`coalesce(${secureLinks.firstOpenedAt}, now())`,
    })
    .where(
      and(eq(secureLinks.id, link.id), isNull(secureLinks.lockedAt), gt(secureLinks.expiresAt, sql`now()`)),
    )
    .returning({ id: secureLinks.id });
  if (updated.length === 0) return false;
  if (link.messageIds.length > 0) {
    // Same rule as status callbacks (message-status.ts): read follows anything but a failure.
    await tx
      .update(messages)
      .set({ status: 'read', updatedAt: sql`now()` })
      .where(
        and(
          inArray(messages.id, link.messageIds),
          eq(messages.contactId, link.contactId),
          eq(messages.direction, 'outbound'),
          sql`${messages.status} not in ('failed', 'undelivered', 'read')`,
        ),
      );
  }
  return true;
}

export interface LinkMessage {
  id: string;
  body: string;
  createdAt: Date;
}

/** The messages behind a link, oldest first; only the link's own contact's, whatever the ids say. */
export async function loadLinkMessages(db: Queryable, link: SecureLinkRow): Promise<LinkMessage[]> {
  if (link.messageIds.length === 0) return [];
  return db
    .select({ id: messages.id, body: messages.body, createdAt: messages.createdAt })
    .from(messages)
    .where(and(inArray(messages.id, link.messageIds), eq(messages.contactId, link.contactId)))
    .orderBy(asc(messages.createdAt), asc(messages.id));
}

/** The conversation a reply through the link goes to: the link's own, or the contact's active one once that was resolved. */
export async function replyConversationId(db: Queryable, link: SecureLinkRow): Promise<string | null> {
  const [row] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.id, link.conversationId), ne(conversations.status, 'resolved')))
    .limit(1);
  return row?.id ?? null;
}
