import { and, eq } from 'drizzle-orm';
import { resolveContacts } from '../conversations/inbound-batch-store';
import type { Queryable } from '../platform/db/database';
import { contactIdentities, type IdentityKind } from '../platform/db/schema';

/**
 * The contact that owns an address, creating contact and identity when the address is new. One
 * mechanism for one address or a batch (see resolveContacts): safe under concurrent first messages.
 * `tx` must be a transaction (resolveContacts).
 */
export async function resolveContactByIdentity(
  tx: Queryable,
  orgId: string,
  kind: IdentityKind,
  address: string,
): Promise<string> {
  const [contactId] = (await resolveContacts(tx, orgId, [{ kind, address }])).values();
  if (!contactId) throw new Error('contact resolution returned nothing');
  return contactId;
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
