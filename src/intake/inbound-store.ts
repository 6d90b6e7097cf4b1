import { sql } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt } from '../channel-port';
import { rememberStoredEvents, type StoredHubEvent } from '../conversations/hub-events';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { rowsOf } from '../platform/db/rows';

export interface InboundItem {
  message: InboundMessage;
  requestId: string;
}

interface StoredRow {
  ord: number;
  message_id: string | null;
  conversation_id: string | null;
  contact_id: string | null;
  duplicate: boolean;
  event_id: string | number | null;
  event_queue: string | null;
  event_payload: Record<string, unknown> | null;
}

/**
 * Stores a batch of inbound messages in one round trip: the SQL function `careline_store_inbound`
 * (migration 0008) resolves contacts and conversations, inserts the messages, touches the
 * conversations and stores a `message.created` event per new message. Given the root database it
 * is a transaction of its own; given a transaction it joins it. The events are announced after the
 * commit like any other (see announceHubEventsAfterCommit). Receipts come back in the order of `items`.
 */
export async function storeInboundBatch(
  tx: Queryable,
  orgId: string,
  items: InboundItem[],
): Promise<InboundReceipt[]> {
  if (items.length === 0) return [];
  const column = <T>(pick: (item: InboundItem) => T) => sql.param(items.map(pick));
  const result = await tx.execute(sql`
    select * from careline_store_inbound(${orgId}::uuid,
      ${sql.param(items.map(() => newId()))}::uuid[],
      ${column((i) => i.message.channel)}::text[],
      ${column((i) => i.message.providerMessageId)}::text[],
      ${column((i) => i.message.from.kind)}::text[],
      ${column((i) => i.message.from.address)}::text[],
      ${column((i) => i.message.body)}::text[],
      ${column((i) => JSON.stringify(i.message.media))}::jsonb[],
      ${column((i) => i.message.toAddress ?? null)}::text[],
      ${column((i) => JSON.stringify(i.message.channelMeta ?? {}))}::jsonb[],
      ${column((i) => i.requestId)}::text[])`);
  const rows = rowsOf<StoredRow>(result);
  const events = new Map<number, StoredHubEvent>();
  const receipts = items.map((_, index) => {
    const row = rows[index];
    if (!row || row.ord !== index + 1 || !row.message_id || !row.conversation_id || !row.contact_id) {
      // Only when a conversation was resolved between the function's statements: the batch fails
      // and the batcher stores its messages one by one, which opens a new conversation.
      throw new Error('inbound message left without a conversation');
    }
    if (!row.duplicate && row.event_id !== null) {
      const id = Number(row.event_id);
      events.set(id, {
        id,
        orgId,
        type: 'message.created',
        conversationId: row.conversation_id,
        messageId: row.message_id,
        queue: row.event_queue ?? '',
        payload: row.event_payload ?? {},
      });
    }
    return {
      messageId: row.message_id,
      conversationId: row.conversation_id,
      contactId: row.contact_id,
      duplicate: row.duplicate,
    };
  });
  rememberStoredEvents(
    tx,
    [...events.values()].sort((a, b) => a.id - b.id),
  );
  return receipts;
}
