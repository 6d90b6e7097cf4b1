import type { EventEmitter } from 'node:events';
import { sql } from 'drizzle-orm';
import type { Database, Queryable } from '../platform/db/database';
import { conversations, hubEvents, messages } from '../platform/db/schema';

/** Every type stored in `hub_events` and announced on the hub's EventEmitter. */
export const HUB_EVENT_TYPES = [
  'message.created',
  'message.status',
  /** A send failed for good (at the hub or as the carrier reported): staff see it and may retry. */
  'message.failed',
  'conversation.updated',
  'triage.escalated',
] as const;
export type HubEventType = (typeof HUB_EVENT_TYPES)[number];

export interface HubEvent {
  orgId: string;
  type: HubEventType;
  conversationId: string;
  messageId: string | null;
  queue: string;
  /** Ids, codes, statuses and reasons only: never message bodies or contact details. */
  payload: Record<string, unknown>;
}

/** An event once stored: what the hub announces after the commit. */
export interface StoredHubEvent extends HubEvent {
  id: number;
}

// Events stored in a transaction wait here until it commits; see announceHubEventsAfterCommit.
const pendingByTransaction = new WeakMap<object, StoredHubEvent[]>();
// Root database handles whose events are announced on an emitter (statements outside a transaction).
const emitterByDatabase = new WeakMap<object, EventEmitter>();

/** Announces events stored by SQL of its own (see inbound-store): at once, or after the transaction commits. */
export function rememberStoredEvents(tx: Queryable, events: StoredHubEvent[]): void {
  remember(tx, events);
}

function remember(tx: Queryable, events: StoredHubEvent[]): void {
  if (events.length === 0) return;
  const emitter = emitterByDatabase.get(tx);
  if (emitter) {
    for (const event of events) emitter.emit(event.type, event);
    return;
  }
  const pending = pendingByTransaction.get(tx);
  if (pending) pending.push(...events);
  else pendingByTransaction.set(tx, [...events]);
}

/**
 * Makes every `db.transaction` announce the hub events it stored on `emitter`, once it has
 * committed, in id order. A rolled-back transaction announces nothing. This is what lets code deep
 * in a transaction (an outbox row written by any caller) store an event without knowing the hub.
 */
export function announceHubEventsAfterCommit(db: Database, emitter: EventEmitter): void {
  emitterByDatabase.set(db, emitter);
  const transaction = db.transaction.bind(db);
  db.transaction = (async (run, config) => {
    let handle: object | undefined;
    try {
      const result = await transaction(async (tx) => {
        handle = tx;
        return run(tx);
      }, config);
      const committed = handle ? pendingByTransaction.get(handle) : undefined;
      for (const event of committed ?? []) emitter.emit(event.type, event);
      return result;
    } finally {
      if (handle) pendingByTransaction.delete(handle);
    }
  }) as typeof db.transaction;
}

/** Stores an event; it is announced after the commit (see announceHubEventsAfterCommit). */
export async function storeHubEvent(tx: Queryable, event: HubEvent): Promise<number> {
  const [row] = await tx
    .insert(hubEvents)
    .values({
      orgId: event.orgId,
      type: event.type,
      conversationId: event.conversationId,
      messageId: event.messageId,
      queue: event.queue,
      payload: event.payload,
    })
    .returning({ id: hubEvents.id });
  remember(tx, [{ ...event, id: row!.id }]);
  return row!.id;
}

/**
 * One `message.created` or `message.status` event per message, in one INSERT … SELECT whatever the
 * number of messages (the inbound batch path). The payload is read from the stored rows: channel,
 * direction, status and error code, with the conversation's current queue.
 */
export async function storeMessageEvents(
  tx: Queryable,
  type: 'message.created' | 'message.status' | 'message.failed',
  messageIds: string[],
): Promise<StoredHubEvent[]> {
  if (messageIds.length === 0) return [];
  const result = await tx.execute(sql`
    insert into ${hubEvents} (org_id, type, conversation_id, message_id, queue, payload)
    select m.org_id, ${type}, m.conversation_id, m.id,
      -- Looked up per message by primary key: a join hashed a scan of every conversation (a
      -- campaign's batch of a thousand then read a hundred thousand rows).
      (select c.queue from ${conversations} c where c.id = m.conversation_id),
      jsonb_strip_nulls(jsonb_build_object('channel', m.channel, 'direction', m.direction,
        'status', m.status, 'errorCode', m.error_code))
    from ${messages} m
    where m.id = any(${sql.param(messageIds)}::uuid[])
    order by m.created_at, m.id
    returning id, org_id, type, conversation_id, message_id, queue, payload`);
  const rows = (
    result as unknown as {
      rows: {
        id: number | string;
        org_id: string;
        conversation_id: string;
        message_id: string;
        queue: string;
        payload: Record<string, unknown>;
      }[];
    }
  ).rows;
  const stored = rows
    .map((r) => ({
      id: Number(r.id),
      orgId: r.org_id,
      type,
      conversationId: r.conversation_id,
      messageId: r.message_id,
      queue: r.queue,
      payload: r.payload,
    }))
    .sort((a, b) => a.id - b.id);
  remember(tx, stored);
  return stored;
}
