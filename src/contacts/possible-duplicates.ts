import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import {
  contactDuplicateSuggestions,
  contactIdentities,
  contacts,
  type DuplicateSuggestionReason,
  type DuplicateSuggestionStatus,
} from '../platform/db/schema';

export interface DuplicateSuggestionInput {
  orgId: string;
  /** The contact that was there first. */
  existingContactId: string;
  /** The contact that looks like it. */
  newContactId: string;
  reason: DuplicateSuggestionReason;
  /** Ids only: never names or addresses. */
  evidence: Record<string, unknown>;
}

/** Records that two contacts may be one person, once per pair and reason. Never merges anything. */
export async function suggestPossibleDuplicate(
  db: Queryable,
  input: DuplicateSuggestionInput,
): Promise<boolean> {
  if (input.existingContactId === input.newContactId) return false;
  const inserted = await db
    .insert(contactDuplicateSuggestions)
    .values({
      orgId: input.orgId,
      contactAId: input.existingContactId,
      contactBId: input.newContactId,
      reason: input.reason,
      evidence: input.evidence,
    })
    .onConflictDoNothing({
      target: [
        contactDuplicateSuggestions.contactAId,
        contactDuplicateSuggestions.contactBId,
        contactDuplicateSuggestions.reason,
      ],
    })
    .returning({ id: contactDuplicateSuggestions.id });
  return inserted.length > 0;
}

/** The local part of an email address, lower-cased, with a `+tag` removed (one mailbox, many tags). */
export function emailMailbox(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at).toLowerCase().split('+')[0]!;
  return local ? { local, domain: address.slice(at + 1).toLowerCase() } : null;
}

/** True when two addresses reach the same mailbox: same domain, same local part but for a +tag. */
export function sameMailbox(a: string, b: string): boolean {
  const x = emailMailbox(a);
  const y = emailMailbox(b);
  return x !== null && y !== null && x.local === y.local && x.domain === y.domain;
}

/** Normalizes a display name for comparison: case, accents, punctuation and spacing do not count. */
export function comparableName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Contacts other than `exceptContactId` whose name is `displayName` and who have an email address
 * with the same local part as `address` (ana.lopez@work.example vs ana.lopez@home.example). A name
 * alone is too common to mean anything; with the local part it is worth a person's look.
 */
export async function findLookAlikeEmailContacts(
  db: Queryable,
  orgId: string,
  exceptContactId: string,
  displayName: string,
  address: string,
): Promise<string[]> {
  const mailbox = emailMailbox(address);
  const name = comparableName(displayName);
  // One word ("Ana") is not a name to match people on.
  if (!mailbox || name.split(' ').length < 2) return [];
  const rows = await db
    .selectDistinct({ id: contacts.id, displayName: contacts.displayName })
    .from(contacts)
    .innerJoin(contactIdentities, eq(contactIdentities.contactId, contacts.id))
    .where(
      and(
        eq(contacts.orgId, orgId),
        ne(contacts.id, exceptContactId),
        // The contact address kind `email` (a field of the contact record, whichever channel wrote it).
        eq(contactIdentities.kind, 'email'),
        sql`split_part(split_part(${contactIdentities.address}, '@', 1), '+', 1) = ${mailbox.local}`,
        sql`${contacts.displayName} is not null`,
      ),
    )
    .limit(20);
  return rows.filter((r) => r.displayName && comparableName(r.displayName) === name).map((r) => r.id);
}

/** More people on file with one name than this, and the name points at nobody in particular. */
const MOST_SAME_NAME_CONTACTS = 3;

/**
 * Contacts on file under the same full name (two words or more), for a sender whose channel gives
 * nothing but a name to go on (a Bot Framework user: a Teams or web chat display name). Weak
 * evidence, so only ever a suggestion for a person, and none when the name is shared by more than
 * a few contacts.
 */
export async function findSameNameContacts(
  db: Queryable,
  orgId: string,
  exceptContactId: string,
  displayName: string,
): Promise<string[]> {
  const name = comparableName(displayName);
  if (name.split(' ').length < 2) return [];
  // Names are compared without accents or punctuation, which SQL cannot index here: read the named
  // contacts of the clinic. This runs once per new Bot Framework user, not per message.
  const rows = await db
    .select({ id: contacts.id, displayName: contacts.displayName })
    .from(contacts)
    .where(
      and(
        eq(contacts.orgId, orgId),
        ne(contacts.id, exceptContactId),
        sql`${contacts.displayName} is not null`,
      ),
    );
  const same = rows.filter((r) => r.displayName && comparableName(r.displayName) === name).map((r) => r.id);
  return same.length <= MOST_SAME_NAME_CONTACTS ? same : [];
}

export interface PossibleDuplicate {
  id: string;
  /** The other contact of the pair, seen from the contact asked about. */
  contact: { id: string; name: string | null };
  reason: DuplicateSuggestionReason;
  status: DuplicateSuggestionStatus;
  evidence: Record<string, unknown>;
  createdAt: Date;
  resolvedAt: Date | null;
}

/** Suggestions involving a contact (either side), newest first. */
export async function listPossibleDuplicates(
  db: Queryable,
  orgId: string,
  contactId: string,
): Promise<PossibleDuplicate[]> {
  const rows = await db
    .select()
    .from(contactDuplicateSuggestions)
    .where(
      and(
        eq(contactDuplicateSuggestions.orgId, orgId),
        or(
          eq(contactDuplicateSuggestions.contactAId, contactId),
          eq(contactDuplicateSuggestions.contactBId, contactId),
        ),
      ),
    )
    .orderBy(desc(contactDuplicateSuggestions.createdAt));
  const otherOf = (r: (typeof rows)[number]) => (r.contactAId === contactId ? r.contactBId : r.contactAId);
  const others = rows.length
    ? await db
        .select({ id: contacts.id, name: contacts.displayName })
        .from(contacts)
        .where(inArray(contacts.id, [...new Set(rows.map(otherOf))]))
    : [];
  const nameOf = new Map(others.map((o) => [o.id, o.name]));
  return rows.map((r) => ({
    id: r.id,
    contact: { id: otherOf(r), name: nameOf.get(otherOf(r)) ?? null },
    reason: r.reason,
    status: r.status,
    evidence: r.evidence,
    createdAt: r.createdAt,
    resolvedAt: r.resolvedAt,
  }));
}

/** Marks an open suggestion dismissed (a person decided they are two people). Null when not open. */
export async function dismissPossibleDuplicate(
  db: Queryable,
  orgId: string,
  contactId: string,
  suggestionId: string,
  staffId: string,
): Promise<{ id: string } | null> {
  const [row] = await db
    .update(contactDuplicateSuggestions)
    .set({ status: 'dismissed', resolvedAt: sql`now()`, resolvedBy: staffId })
    .where(
      and(
        eq(contactDuplicateSuggestions.id, suggestionId),
        eq(contactDuplicateSuggestions.orgId, orgId),
        eq(contactDuplicateSuggestions.status, 'open'),
        or(
          eq(contactDuplicateSuggestions.contactAId, contactId),
          eq(contactDuplicateSuggestions.contactBId, contactId),
        ),
      ),
    )
    .returning({ id: contactDuplicateSuggestions.id });
  return row ?? null;
}
