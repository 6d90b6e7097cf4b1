import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { InboundMessage } from '../channel-port';
import { anyOf } from '../platform/db/any-of';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { rowsOf } from '../platform/db/rows';
import { contactIdentities, contacts, conversations, type IdentityKind } from '../platform/db/schema';

// Contacts and conversations for inbound senders, resolved in sets: the contact directory uses them
// to find or create a contact by address, and findOrOpenConversation to open a conversation. The
// inbound messages themselves are stored by the SQL function careline_store_inbound (inbound-store.ts),
// which resolves contacts and conversations the same way in one round trip.
const identityKey = (kind: IdentityKind, address: string) => `${kind}\u0000${address}`;

/**
 * Contact id per identity key; identities that are new get a new contact each. `tx` must be a
 * transaction: a new identity is written before its contact (its key is checked at commit).
 */
export async function resolveContacts(
  tx: Queryable,
  orgId: string,
  senders: InboundMessage['from'][],
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (senders.length === 0) return result;
  const unique = new Map(senders.map((s) => [identityKey(s.kind, s.address), s]));
  const lookUp = async (wanted: InboundMessage['from'][]) => {
    const rows = await tx
      .select({
        kind: contactIdentities.kind,
        address: contactIdentities.address,
        contactId: contactIdentities.contactId,
      })
      .from(contactIdentities)
      .where(
        and(
          eq(contactIdentities.orgId, orgId),
          inArray(contactIdentities.address, [...new Set(wanted.map((s) => s.address))]),
        ),
      );
    for (const row of rows) {
      const key = identityKey(row.kind, row.address);
      if (unique.has(key)) result.set(key, row.contactId);
    }
  };
  await lookUp([...unique.values()]);
  const missing = [...unique.entries()]
    .filter(([key]) => !result.has(key))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, sender]) => ({ key, sender, contactId: newId() }));
  if (missing.length === 0) return result;

  // The identities first, then contacts only for those this request won: the identity's key to its
  // contact is checked at commit (migration 0035), so a request that loses the race for an address
  // writes nothing. (Creating the contact first meant deleting it again, and a contact's delete
  // checks every table that refers to contacts, some without an index on contact_id.)
  const inserted = await tx
    .insert(contactIdentities)
    .values(
      missing.map((m) => ({
        id: newId(),
        orgId,
        contactId: m.contactId,
        kind: m.sender.kind,
        address: m.sender.address,
      })),
    )
    .onConflictDoNothing({
      target: [contactIdentities.orgId, contactIdentities.kind, contactIdentities.address],
    })
    .returning({ contactId: contactIdentities.contactId });
  const won = new Set(inserted.map((r) => r.contactId));
  const mine = missing.filter((m) => won.has(m.contactId));
  if (mine.length > 0) await tx.insert(contacts).values(mine.map((m) => ({ id: m.contactId, orgId })));
  for (const m of mine) result.set(m.key, m.contactId);
  const lost = missing.filter((m) => !won.has(m.contactId));
  if (lost.length > 0) {
    // Another request created these addresses first: theirs are used.
    await lookUp(lost.map((m) => m.sender));
    for (const m of lost)
      if (!result.has(m.key)) throw new Error('identity vanished after a conflicting insert');
  }
  return result;
}

/** Active conversation id per contact, opening one where there is none. */
export async function resolveConversations(
  tx: Queryable,
  orgId: string,
  contactIds: string[],
  /**
   * The message about to be written for each contact (its id chosen beforehand): a conversation
   * opened here starts with it as its last message, so the writer need not update the row it just
   * inserted (an update of a row inserted in the same transaction checks its foreign keys again).
   */
  lastMessageOf?: Map<string, string>,
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (contactIds.length === 0) return result;
  const lookUp = async (ids: string[]) => {
    const rows = await tx
      .select({ id: conversations.id, contactId: conversations.contactId })
      .from(conversations)
      .where(and(anyOf(conversations.contactId, ids), ne(conversations.status, 'resolved')));
    for (const row of rows) result.set(row.contactId, row.id);
  };
  await lookUp(contactIds);
  const missing = contactIds.filter((id) => !result.has(id)).sort();
  if (missing.length === 0) return result;
  // Two array parameters, not three per row: a campaign batch opens a thousand conversations, and
  // drizzle building a statement of 3,000 parameters held the event loop longer than PostgreSQL took.
  const inserted = rowsOf<{ id: string; contact_id: string }>(
    await tx.execute(sql`
      insert into ${conversations} (id, org_id, contact_id, last_message_id)
      select id, ${orgId}::uuid, contact_id, last_message_id
      from unnest(${sql.param(missing.map(() => newId()))}::uuid[], ${sql.param(missing)}::uuid[],
        ${sql.param(missing.map((id) => lastMessageOf?.get(id) ?? null))}::uuid[])
        as v(id, contact_id, last_message_id)
      on conflict (contact_id) where status <> 'resolved' do nothing
      returning id, contact_id`),
  );
  for (const row of inserted) result.set(row.contact_id, row.id);
  const lost = missing.filter((id) => !result.has(id));
  if (lost.length > 0) {
    await lookUp(lost);
    for (const id of lost)
      if (!result.has(id)) throw new Error('active conversation vanished after a conflicting insert');
  }
  return result;
}
