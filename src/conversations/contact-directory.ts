import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../db/database';
import { newId } from '../db/ids';
import { contactIdentities, contacts, type IdentityKind } from '../db/schema';

export interface ResolvedContact {
  contactId: string;
  identityId: string;
  created: boolean;
}

/**
 * Finds the contact that owns an address, creating contact and identity when the address is new.
 * Safe under concurrency: two first messages from one number race on the unique identity index and
 * both end up with the same contact (the loser removes the contact row it had just made).
 */
export async function resolveContactByIdentity(
  tx: Queryable,
  orgId: string,
  kind: IdentityKind,
  address: string,
): Promise<ResolvedContact> {
  const existing = await findIdentity(tx, orgId, kind, address);
  if (existing) return { contactId: existing.contactId, identityId: existing.id, created: false };

  const contactId = newId();
  const identityId = newId();
  await tx.insert(contacts).values({ id: contactId, orgId });
  const inserted = await tx
    .insert(contactIdentities)
    .values({ id: identityId, orgId, contactId, kind, address })
    .onConflictDoNothing({
      target: [contactIdentities.orgId, contactIdentities.kind, contactIdentities.address],
    })
    .returning({ id: contactIdentities.id });
  if (inserted.length === 0) {
    // Another request created this address first: use its contact and drop ours.
    await tx.delete(contacts).where(eq(contacts.id, contactId));
    const winner = await findIdentity(tx, orgId, kind, address);
    if (!winner) throw new Error('identity vanished after a conflicting insert');
    return { contactId: winner.contactId, identityId: winner.id, created: false };
  }
  return { contactId, identityId, created: true };
}

/** The identity row for an address, if any contact has it. */
export async function findIdentity(tx: Queryable, orgId: string, kind: IdentityKind, address: string) {
  const [row] = await tx
    .select({ id: contactIdentities.id, contactId: contactIdentities.contactId })
    .from(contactIdentities)
    .where(
      and(
        eq(contactIdentities.orgId, orgId),
        eq(contactIdentities.kind, kind),
        eq(contactIdentities.address, address),
      ),
    )
    .limit(1);
  return row;
}

/** The address to reach a contact on a kind of identity, preferring ones not marked undeliverable. */
export async function findDeliverableAddress(
  tx: Queryable,
  contactId: string,
  kind: IdentityKind,
): Promise<string | null> {
  const rows = await tx
    .select({ address: contactIdentities.address, undeliverableAt: contactIdentities.undeliverableAt })
    .from(contactIdentities)
    .where(and(eq(contactIdentities.contactId, contactId), eq(contactIdentities.kind, kind)));
  const usable = rows.find((row) => row.undeliverableAt === null) ?? null;
  return usable?.address ?? null;
}
