import { and, desc, eq, inArray } from 'drizzle-orm';
import { anyOf } from '../platform/db/any-of';
import type { Queryable } from '../platform/db/database';
import { type ConsentStatus, consentLedger } from '../platform/db/schema';

/**
 * `all` covers every purpose: a carrier STOP is an opt-out from everything on that channel.
 * `unencrypted_phi` is not a purpose of messages but the patient's recorded acceptance, after a
 * warning, of PHI on a channel that is not secure; it raises that channel's limit for them only.
 */
export type ConsentPurpose = 'all' | 'care' | 'administrative' | 'marketing' | 'unencrypted_phi';

export interface ConsentEntry {
  orgId: string;
  contactId: string;
  channel: string;
  purpose: ConsentPurpose;
  status: ConsentStatus;
  source: string;
  evidenceMessageId?: string | null;
  note?: string | null;
}

/** Appends one row to the ledger; rows are never updated or deleted. */
export async function recordConsent(tx: Queryable, entry: ConsentEntry): Promise<void> {
  await tx.insert(consentLedger).values({
    orgId: entry.orgId,
    contactId: entry.contactId,
    channel: entry.channel,
    purpose: entry.purpose,
    status: entry.status,
    source: entry.source,
    evidenceMessageId: entry.evidenceMessageId ?? null,
    note: entry.note ?? null,
  });
}

/**
 * True when the newest ledger entry that governs (channel, purpose) is an opt-out. An opt-out for
 * `all` governs every purpose until a later opt-in for `all` or for that purpose.
 */
export async function isOptedOut(
  db: Queryable,
  contactId: string,
  channel: string,
  purpose: Exclude<ConsentPurpose, 'all' | 'unencrypted_phi'>,
): Promise<boolean> {
  const [latest] = await db
    .select({ status: consentLedger.status })
    .from(consentLedger)
    .where(
      and(
        eq(consentLedger.contactId, contactId),
        eq(consentLedger.channel, channel),
        inArray(consentLedger.purpose, ['all', purpose]),
      ),
    )
    .orderBy(desc(consentLedger.recordedAt), desc(consentLedger.id))
    .limit(1);
  return latest?.status === 'opted_out';
}

export type ConsentRow = typeof consentLedger.$inferSelect;

/** The contact's ledger, newest first. */
export async function listConsents(db: Queryable, contactId: string): Promise<ConsentRow[]> {
  return (await listConsentsByContact(db, [contactId])).get(contactId) ?? [];
}

/** listConsents for many contacts in one query (a campaign's page of recipients), each newest first. */
export async function listConsentsByContact(
  db: Queryable,
  contactIds: string[],
): Promise<Map<string, ConsentRow[]>> {
  const byContact = new Map<string, ConsentRow[]>();
  if (contactIds.length === 0) return byContact;
  const rows = await db
    .select()
    .from(consentLedger)
    .where(anyOf(consentLedger.contactId, contactIds))
    .orderBy(desc(consentLedger.recordedAt), desc(consentLedger.id));
  for (const row of rows) {
    const list = byContact.get(row.contactId);
    if (list) list.push(row);
    else byContact.set(row.contactId, [row]);
  }
  return byContact;
}
