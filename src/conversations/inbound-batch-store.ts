import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt } from '../channel-port';
import type { Queryable } from '../db/database';
import { newId } from '../db/ids';
import { contactIdentities, contacts, conversations, type IdentityKind, messages } from '../db/schema';

export interface InboundItem {
  message: InboundMessage;
  requestId: string;
}

const identityKey = (kind: IdentityKind, address: string) => `${kind}\u0000${address}`;
const providerKey = (channel: string, id: string) => `${channel}\u0000${id}`;

/**
 * Stores a batch of inbound messages with a handful of set-based statements, whatever the batch
 * size: this is what lets a webhook be committed before it is acknowledged at thousands per second.
 * Same guarantees as one at a time: idempotent on (channel, provider id) within the batch, against
 * stored rows and against concurrent batches; one contact per address; one active conversation per
 * contact. Rows are written in key order so concurrent batches take locks in the same order.
 * Receipts come back in the order of `items`.
 */
export async function recordInboundBatch(
  tx: Queryable,
  orgId: string,
  items: InboundItem[],
): Promise<InboundReceipt[]> {
  const receipts: (InboundReceipt | undefined)[] = new Array(items.length);

  // 1. Provider ids already stored (replays) answer as duplicates and write nothing.
  const firstIndexByProviderKey = new Map<string, number>();
  items.forEach((item, index) => {
    const key = providerKey(item.message.channel, item.message.providerMessageId);
    if (!firstIndexByProviderKey.has(key)) firstIndexByProviderKey.set(key, index);
  });
  const stored = await findStoredByProviderIds(
    tx,
    items.map((i) => i.message),
  );
  const fresh: number[] = [];
  for (const [key, index] of firstIndexByProviderKey) {
    const seen = stored.get(key);
    if (seen) receipts[index] = { ...seen, duplicate: true };
    else fresh.push(index);
  }

  // 2. Contacts by sender identity, creating the missing ones.
  const contactByIdentity = await resolveContacts(
    tx,
    orgId,
    fresh.map((index) => items[index]!.message.from),
  );

  // 3. The active conversation of each contact, opening the missing ones.
  const conversationByContact = await resolveConversations(tx, orgId, [
    ...new Set(contactByIdentity.values()),
  ]);

  // 4. The messages themselves, in arrival order so created_at (clock_timestamp) follows it.
  const rows = fresh.map((index) => {
    const { message, requestId } = items[index]!;
    const contactId = contactByIdentity.get(identityKey(message.from.kind, message.from.address))!;
    return {
      index,
      id: newId(),
      contactId,
      conversationId: conversationByContact.get(contactId)!,
      message,
      requestId,
    };
  });
  if (rows.length > 0) {
    const insertedIds = await insertInboundRows(tx, orgId, rows);
    const lost = rows.filter((r) => !insertedIds.has(r.id));
    // A concurrent batch committed the same provider id first: answer with its copy.
    const winners =
      lost.length > 0
        ? await findStoredByProviderIds(
            tx,
            lost.map((r) => r.message),
          )
        : new Map();
    for (const row of rows) {
      if (insertedIds.has(row.id)) {
        receipts[row.index] = {
          messageId: row.id,
          conversationId: row.conversationId,
          contactId: row.contactId,
          duplicate: false,
        };
      } else {
        const winner = winners.get(providerKey(row.message.channel, row.message.providerMessageId));
        if (!winner) throw new Error('message vanished after a conflicting insert');
        receipts[row.index] = { ...winner, duplicate: true };
      }
    }
    await touchConversations(
      tx,
      rows.filter((r) => insertedIds.has(r.id)),
    );
  }

  // Repeats of a provider id inside this batch answer like the first copy, as duplicates.
  return items.map((item, index) => {
    const own = receipts[index];
    if (own) return own;
    const first =
      receipts[
        firstIndexByProviderKey.get(providerKey(item.message.channel, item.message.providerMessageId))!
      ];
    if (!first) throw new Error('batch item left without a receipt');
    return { ...first, duplicate: true };
  });
}

/**
 * One INSERT … SELECT FROM unnest(column arrays): a dozen parameters whatever the batch size, which
 * keeps statement building and parsing cheap on the hot path of every inbound webhook.
 */
async function insertInboundRows(
  tx: Queryable,
  orgId: string,
  rows: {
    id: string;
    contactId: string;
    conversationId: string;
    message: InboundMessage;
    requestId: string;
  }[],
): Promise<Set<string>> {
  const column = <T>(pick: (r: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  const result = await tx.execute(sql`
    insert into ${messages} (id, org_id, conversation_id, contact_id, direction, channel, body, media,
      from_address, to_address, provider_message_id, status, author_kind, channel_meta, request_id, created_at)
    select t.id, ${orgId}::uuid, t.conversation_id, t.contact_id, 'inbound', t.channel, t.body, t.media,
      t.from_address, t.to_address, t.provider_message_id, 'received', 'patient', t.channel_meta, t.request_id,
      clock_timestamp()
    from unnest(
      ${column((r) => r.id)}::uuid[], ${column((r) => r.conversationId)}::uuid[], ${column((r) => r.contactId)}::uuid[],
      ${column((r) => r.message.channel)}::text[], ${column((r) => r.message.body)}::text[],
      ${column((r) => JSON.stringify(r.message.media))}::jsonb[], ${column((r) => r.message.from.address)}::text[],
      ${column((r) => r.message.toAddress ?? null)}::text[], ${column((r) => r.message.providerMessageId)}::text[],
      ${column((r) => JSON.stringify(r.message.channelMeta ?? {}))}::jsonb[], ${column((r) => r.requestId)}::text[]
    ) with ordinality as t(id, conversation_id, contact_id, channel, body, media, from_address, to_address,
      provider_message_id, channel_meta, request_id, ord)
    order by t.ord
    on conflict (channel, provider_message_id) do nothing
    returning id`);
  return new Set((result as unknown as { rows: { id: string }[] }).rows.map((r) => r.id));
}

async function findStoredByProviderIds(tx: Queryable, batch: InboundMessage[]) {
  const found = new Map<string, Omit<InboundReceipt, 'duplicate'>>();
  if (batch.length === 0) return found;
  const rows = await tx
    .select({
      id: messages.id,
      channel: messages.channel,
      providerMessageId: messages.providerMessageId,
      conversationId: messages.conversationId,
      contactId: messages.contactId,
    })
    .from(messages)
    .where(inArray(messages.providerMessageId, [...new Set(batch.map((m) => m.providerMessageId))]));
  const wanted = new Set(batch.map((m) => providerKey(m.channel, m.providerMessageId)));
  for (const row of rows) {
    const key = providerKey(row.channel, row.providerMessageId ?? '');
    if (wanted.has(key))
      found.set(key, { messageId: row.id, conversationId: row.conversationId, contactId: row.contactId });
  }
  return found;
}

/** Contact id per identity key; identities that are new get a new contact each. */
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

  await tx.insert(contacts).values(missing.map((m) => ({ id: m.contactId, orgId })));
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
  for (const m of missing) if (won.has(m.contactId)) result.set(m.key, m.contactId);
  const lost = missing.filter((m) => !won.has(m.contactId));
  if (lost.length > 0) {
    // Another request created these addresses first: use its contacts and drop ours.
    await tx.delete(contacts).where(
      inArray(
        contacts.id,
        lost.map((m) => m.contactId),
      ),
    );
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
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (contactIds.length === 0) return result;
  const lookUp = async (ids: string[]) => {
    const rows = await tx
      .select({ id: conversations.id, contactId: conversations.contactId })
      .from(conversations)
      .where(and(inArray(conversations.contactId, ids), ne(conversations.status, 'resolved')));
    for (const row of rows) result.set(row.contactId, row.id);
  };
  await lookUp(contactIds);
  const missing = contactIds.filter((id) => !result.has(id)).sort();
  if (missing.length === 0) return result;
  const inserted = await tx
    .insert(conversations)
    .values(missing.map((contactId) => ({ id: newId(), orgId, contactId })))
    .onConflictDoNothing({ target: conversations.contactId, where: sql`status <> 'resolved'` })
    .returning({ id: conversations.id, contactId: conversations.contactId });
  for (const row of inserted) result.set(row.contactId, row.id);
  const lost = missing.filter((id) => !result.has(id));
  if (lost.length > 0) {
    await lookUp(lost);
    for (const id of lost)
      if (!result.has(id)) throw new Error('active conversation vanished after a conflicting insert');
  }
  return result;
}

/** Last activity and last message per conversation; a patient writing back reopens a pending one. */
async function touchConversations(
  tx: Queryable,
  rows: { id: string; conversationId: string }[],
): Promise<void> {
  const lastByConversation = new Map<string, string>();
  for (const row of rows) lastByConversation.set(row.conversationId, row.id);
  if (lastByConversation.size === 0) return;
  const values = [...lastByConversation.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([conversationId, messageId]) => sql`(${conversationId}::uuid, ${messageId}::uuid)`);
  await tx.execute(sql`
    update ${conversations} set
      last_activity_at = now(), updated_at = now(), status = 'open', last_message_id = v.message_id
    from (values ${sql.join(values, sql`, `)}) as v(conversation_id, message_id)
    where ${conversations.id} = v.conversation_id`);
}
