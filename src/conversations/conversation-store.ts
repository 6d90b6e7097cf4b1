import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNotNull,
  isNull,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { StatusReceipt, StatusUpdate } from '../channel-port';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import {
  contactIdentities,
  contacts,
  conversations,
  type MessageStatus,
  messageStatusEvents,
  messages,
} from '../platform/db/schema';
import { storeMessageEvents } from './hub-events';
import { resolveConversations } from './inbound-batch-store';
import { isForwardTransition } from './message-status';

export type MessageRow = typeof messages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;

/** The contact's active (not resolved) conversation, opening one when there is none. */
export async function findOrOpenConversation(
  tx: Queryable,
  orgId: string,
  contactId: string,
): Promise<string> {
  const conversationId = (await resolveConversations(tx, orgId, [contactId])).get(contactId);
  if (!conversationId) throw new Error('conversation resolution returned nothing');
  return conversationId;
}

export interface NewOutboundMessage {
  orgId: string;
  conversationId: string;
  contactId: string;
  channel: string;
  toAddress: string;
  body: string;
  authorKind: 'staff' | 'system';
  authorStaffId?: string | null;
  automation?: string | null;
  templateId?: string | null;
  channelMeta?: Record<string, unknown>;
  policy?: Record<string, unknown> | null;
  requestId?: string | null;
  /** Deferred (quiet hours): not sent before this time. */
  scheduledFor?: Date | null;
  appointmentId?: string | null;
  /** A staff reply that stopped the SLA clock: the due time it answered (see stopSlaClock). */
  answeredSlaDueAt?: Date | null;
  /** A campaign's send: the campaign (its tail is found by messages_campaign_outbox_idx). */
  campaignId?: string | null;
  /** The row's id, when the caller chose it beforehand (see resolveConversations' lastMessageOf). */
  id?: string;
}

const messageColumns = Object.entries(getTableColumns(messages));

/** A `messages` row as the driver returned it from raw SQL, in the shape drizzle's queries give. */
function messageFromDriver(raw: Record<string, unknown>): MessageRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of messageColumns) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as MessageRow;
}

/** Writes an outbox row (status `pending`). The caller enqueues the send only after the commit. */
export async function appendOutboundMessage(tx: Queryable, input: NewOutboundMessage): Promise<MessageRow> {
  const [row] = await appendOutboundMessages(tx, [input]);
  if (!row) throw new Error('outbound insert returned nothing');
  return row;
}

/**
 * Writes several outbox rows in one INSERT (a campaign's batch), in the order given, then moves
 * each conversation's last activity to its last new row and records their `message.created` events.
 */
export async function appendOutboundMessages(
  tx: Queryable,
  inputs: NewOutboundMessage[],
): Promise<MessageRow[]> {
  if (inputs.length === 0) return [];
  const ids = inputs.map((input) => input.id ?? newId());
  // One array per column (unnest), not one parameter per value: building and parsing a statement
  // of thousands of parameters cost more than the insert itself.
  const column = <T>(pick: (input: NewOutboundMessage) => T) => sql.param(inputs.map(pick));
  const result = await tx.execute(sql`
    insert into ${messages} (id, org_id, conversation_id, contact_id, direction, channel, body, to_address,
      status, author_kind, author_staff_id, automation, template_id, channel_meta, policy, request_id,
      scheduled_for, appointment_id, answered_sla_due_at, campaign_id, created_at)
    select v.id, v.org_id, v.conversation_id, v.contact_id, 'outbound', v.channel, v.body, v.to_address,
      'pending', v.author_kind, v.author_staff_id, v.automation, v.template_id, v.channel_meta, v.policy,
      v.request_id, v.scheduled_for, v.appointment_id, v.answered_sla_due_at, v.campaign_id,
      -- Several rows in one transaction (a secure message and its notice) keep their order.
      clock_timestamp()
    from unnest(${sql.param(ids)}::uuid[], ${column((i) => i.orgId)}::uuid[],
      ${column((i) => i.conversationId)}::uuid[], ${column((i) => i.contactId)}::uuid[],
      ${column((i) => i.channel)}::text[], ${column((i) => i.body)}::text[],
      ${column((i) => i.toAddress)}::text[], ${column((i) => i.authorKind)}::text[],
      ${column((i) => i.authorStaffId ?? null)}::uuid[], ${column((i) => i.automation ?? null)}::text[],
      ${column((i) => i.templateId ?? null)}::text[],
      ${column((i) => JSON.stringify(i.channelMeta ?? {}))}::jsonb[],
      ${column((i) => (i.policy ? JSON.stringify(i.policy) : null))}::jsonb[],
      ${column((i) => i.requestId ?? null)}::text[],
      ${column((i) => i.scheduledFor?.toISOString() ?? null)}::timestamptz[],
      ${column((i) => i.appointmentId ?? null)}::uuid[],
      ${column((i) => i.answeredSlaDueAt?.toISOString() ?? null)}::timestamptz[],
      ${column((i) => i.campaignId ?? null)}::uuid[])
      with ordinality as v(id, org_id, conversation_id, contact_id, channel, body, to_address, author_kind,
        author_staff_id, automation, template_id, channel_meta, policy, request_id, scheduled_for,
        appointment_id, answered_sla_due_at, campaign_id, ord)
    order by v.ord
    returning *`);
  // In the order given, whatever order RETURNING chose.
  const byId = new Map(
    (result as unknown as { rows: Record<string, unknown>[] }).rows.map((raw) => {
      const row = messageFromDriver(raw);
      return [row.id, row];
    }),
  );
  const rows = ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error('outbound insert returned nothing');
    return row;
  });
  const lastOf = new Map<string, string>();
  for (const row of rows) lastOf.set(row.conversationId, row.id);
  const [only] = lastOf.size === 1 ? [...lastOf] : [];
  if (only) {
    const [conversationId, messageId] = only;
    await tx
      .update(conversations)
      .set({ lastActivityAt: sql`now()`, lastMessageId: messageId, updatedAt: sql`now()` })
      .where(eq(conversations.id, conversationId));
  } else {
    // Conversations opened for these rows already name them (resolveConversations): left alone. The
    // `any` lets PostgreSQL find the rows by primary key rather than hash a scan of the whole table.
    await tx.execute(sql`
      update ${conversations} c set last_activity_at = now(), last_message_id = v.message_id, updated_at = now()
      from unnest(${sql.param([...lastOf.keys()])}::uuid[], ${sql.param([...lastOf.values()])}::uuid[])
        as v(conversation_id, message_id)
      where c.id = v.conversation_id and c.id = any(${sql.param([...lastOf.keys()])}::uuid[])
        and c.last_message_id is distinct from v.message_id`);
  }
  await storeMessageEvents(
    tx,
    'message.created',
    rows.map((row) => row.id),
  );
  return rows;
}

/**
 * Records a provider status callback and moves the message forward when it is news. Every callback
 * is kept as an event; one for an id not yet known is kept as an orphan and applied when the
 * send records that id (a callback can beat the API response that told us the id).
 */
/** Arbitrary first key of the advisory locks below, apart from every other lock of the hub. */
const PROVIDER_ID_LOCK = 7_240_513;

/**
 * Serializes, per provider message id, a status callback with the send that records that id. A
 * provider may call back before its own answer to the send was written (Twilio often does). Without
 * this, the callback could look for the message before the send committed its provider id, while the
 * send looked for early callbacks before the callback committed its event: each missing the other,
 * and the status lost. With it, whichever comes second sees what the first one committed. Held to
 * the end of the transaction.
 */
async function lockProviderMessageId(tx: Queryable, channel: string, providerMessageId: string) {
  await tx.execute(
    sql`select pg_advisory_xact_lock(${PROVIDER_ID_LOCK}, hashtext(${channel} || ':' || ${providerMessageId}))`,
  );
}

export async function applyStatusUpdate(tx: Queryable, update: StatusUpdate): Promise<StatusReceipt> {
  await lockProviderMessageId(tx, update.channel, update.providerMessageId);
  const [known] = await tx
    .select({ id: messages.id, status: messages.status })
    .from(messages)
    .where(
      and(eq(messages.channel, update.channel), eq(messages.providerMessageId, update.providerMessageId)),
    )
    .for('no key update')
    .limit(1);
  const message = known ?? (update.messageId ? await adoptNamedMessage(tx, update) : undefined);
  const applied = message ? isForwardTransition(message.status, update.status) : false;
  await tx.insert(messageStatusEvents).values({
    messageId: message?.id ?? null,
    channel: update.channel,
    providerMessageId: update.providerMessageId,
    status: update.status,
    providerStatus: update.providerStatus,
    errorCode: update.errorCode ?? null,
    applied: applied ? 1 : 0,
  });
  if (message && applied) {
    await moveStatus(tx, message.id, update.status, update.errorCode);
    await storeMessageEvents(tx, 'message.status', [message.id]);
    if (update.status === 'failed' || update.status === 'undelivered') {
      await storeMessageEvents(tx, 'message.failed', [message.id]);
    }
  }
  return { messageId: message?.id ?? null, applied };
}

/**
 * The message a callback names by our id (`update.messageId`) when no message holds its provider id
 * yet: the send's own answer was lost (or is still on its way), so the message takes the provider id
 * now. A message that already holds another provider id is not taken over.
 */
async function adoptNamedMessage(tx: Queryable, update: StatusUpdate) {
  const [adopted] = await tx
    .update(messages)
    .set({ providerMessageId: update.providerMessageId, updatedAt: sql`now()` })
    .where(
      and(
        eq(messages.id, update.messageId!),
        eq(messages.channel, update.channel),
        eq(messages.direction, 'outbound'),
        isNull(messages.providerMessageId),
      ),
    )
    .returning({ id: messages.id, status: messages.status });
  return adopted;
}

/**
 * Records what the provider said about a send (its answer, or what reconciliation found): the
 * provider id, and the status unless a callback already moved the message further. Applies the
 * callbacks that came first. A message that already holds another provider id keeps it: the
 * provider has two copies, which is logged by the caller, and the first stands.
 */
export async function recordProviderAcceptance(
  tx: Queryable,
  messageId: string,
  channel: string,
  accepted: { providerMessageId: string; status: MessageStatus; channelMeta?: Record<string, unknown> },
): Promise<{ recorded: boolean }> {
  await lockProviderMessageId(tx, channel, accepted.providerMessageId);
  const [current] = await tx
    .select({ status: messages.status, providerMessageId: messages.providerMessageId })
    .from(messages)
    .where(eq(messages.id, messageId))
    .for('no key update');
  if (!current) return { recorded: false };
  if (current.providerMessageId && current.providerMessageId !== accepted.providerMessageId) {
    return { recorded: false };
  }
  const moves = current.status === 'sending' || isForwardTransition(current.status, accepted.status);
  await tx
    .update(messages)
    .set({
      providerMessageId: accepted.providerMessageId,
      sentAt: sql`coalesce(${messages.sentAt}, now())`,
      leaseUntil: null,
      updatedAt: sql`now()`,
      channelMeta: sql`${messages.channelMeta} || ${JSON.stringify(accepted.channelMeta ?? {})}::jsonb`,
      ...(moves
        ? {
            status: accepted.status,
            errorCode: null,
            errorMessage: null,
            ...(accepted.status === 'delivered' ? { deliveredAt: sql`now()` } : {}),
          }
        : {}),
    })
    .where(eq(messages.id, messageId));
  await adoptOrphanStatusEvents(tx, messageId, channel, accepted.providerMessageId);
  return { recorded: true };
}

async function moveStatus(tx: Queryable, messageId: string, status: MessageStatus, errorCode?: string) {
  await tx
    .update(messages)
    .set({
      status,
      updatedAt: sql`now()`,
      ...(status === 'delivered' ? { deliveredAt: sql`now()` } : {}),
      ...(status === 'sent' ? { sentAt: sql`coalesce(${messages.sentAt}, now())` } : {}),
      ...(errorCode ? { errorCode } : {}),
    })
    .where(eq(messages.id, messageId));
}

/**
 * Applies status callbacks that arrived before the send recorded the provider id. Called in the
 * transaction that records it (recordProviderAcceptance), which holds the provider id's lock already
 * (lockProviderMessageId says why both take it): taking it again cost every send a round trip.
 */
async function adoptOrphanStatusEvents(
  tx: Queryable,
  messageId: string,
  channel: string,
  providerMessageId: string,
): Promise<void> {
  const orphans = await tx
    .select()
    .from(messageStatusEvents)
    .where(
      and(
        isNull(messageStatusEvents.messageId),
        eq(messageStatusEvents.channel, channel),
        eq(messageStatusEvents.providerMessageId, providerMessageId),
      ),
    )
    .orderBy(asc(messageStatusEvents.id));
  if (orphans.length === 0) return;
  await tx
    .update(messageStatusEvents)
    .set({ messageId })
    .where(
      inArray(
        messageStatusEvents.id,
        orphans.map((o) => o.id),
      ),
    );
  for (const orphan of orphans) {
    const [current] = await tx
      .select({ status: messages.status })
      .from(messages)
      .where(eq(messages.id, messageId));
    if (current && isForwardTransition(current.status, orphan.status)) {
      await moveStatus(tx, messageId, orphan.status, orphan.errorCode ?? undefined);
    }
  }
}

/** The routing state of a conversation, as the API shows it in lists and in detail. */
export function conversationState(c: ConversationRow) {
  return {
    id: c.id,
    status: c.status,
    queue: c.queue,
    priority: c.priority,
    urgency: c.urgency,
    assigneeId: c.assigneeId,
    slaDueAt: c.slaDueAt,
    lastActivityAt: c.lastActivityAt,
  };
}

export interface ConversationDetail {
  conversation: ConversationRow;
  contact: ContactRow & { identities: { kind: string; address: string; undeliverable: boolean }[] };
  messages: MessageRow[];
}

export async function getConversationDetail(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<ConversationDetail | null> {
  const [conversation] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.orgId, orgId)))
    .limit(1);
  if (!conversation) return null;
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
  if (!contact) return null;
  const identities = await db
    .select()
    .from(contactIdentities)
    .where(eq(contactIdentities.contactId, contact.id))
    .orderBy(asc(contactIdentities.createdAt));
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, id))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  return {
    conversation,
    contact: {
      ...contact,
      identities: identities.map((i) => ({
        kind: i.kind,
        address: i.address,
        undeliverable: i.undeliverableAt !== null,
      })),
    },
    messages: rows,
  };
}

/** The channel a reply should use: the one the patient last wrote on. */
export async function lastInboundChannel(db: Queryable, conversationId: string): Promise<string | null> {
  const [row] = await db
    .select({ channel: messages.channel })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.direction, 'inbound')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return row?.channel ?? null;
}

/**
 * Locks an inbound message that has no triage decision yet, for the transaction that decides it:
 * false when one was written already (BullMQ may run a job twice; only the first run decides).
 */
export async function lockUndecided(tx: Queryable, messageId: string): Promise<boolean> {
  const [undecided] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.id, messageId), isNull(messages.triage)))
    .for('no key update');
  return undecided !== undefined;
}

export async function getMessage(db: Queryable, id: string): Promise<MessageRow | undefined> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id)).limit(1);
  return row;
}

/*
 * The SLA clock. A conversation waits on the clinic from a patient message until a staff reply
 * (an outbound message a staff member wrote as a reply: initiator `staff_reply`); while it waits,
 * `sla_due_at` says by when it must be answered, and it breaches once that time passes. The first
 * staff reply stops the clock (clears `sla_due_at`, and keeps the due time it answered on the reply,
 * `answered_sla_due_at`, so a late answer still counts); the next patient message starts a new
 * one when triage routes it.
 */
const isStaffReply = sql`${messages.direction} = 'outbound' and ${messages.authorKind} = 'staff'
  and ${messages.policy} ->> 'initiator' = 'staff_reply'`;

/**
 * Stops the conversation's SLA clock for a staff reply being written in this transaction: returns
 * the due time it answers, or null when no clock was running (already answered, or never started).
 */
export async function stopSlaClock(tx: Queryable, conversationId: string): Promise<Date | null> {
  const [running] = await tx
    .select({ slaDueAt: conversations.slaDueAt })
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), isNotNull(conversations.slaDueAt)))
    .for('no key update');
  if (!running?.slaDueAt) return null;
  await tx
    .update(conversations)
    .set({ slaDueAt: null, updatedAt: sql`now()` })
    .where(eq(conversations.id, conversationId));
  return running.slaDueAt;
}

/** Whether a staff reply was written in the conversation after `since` (a patient message's time). */
export async function staffRepliedSince(
  db: Queryable,
  conversationId: string,
  since: Date,
): Promise<boolean> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(staffReplySince(conversationId, since))
    .limit(1);
  return row !== undefined;
}

/**
 * The condition of staffRepliedSince, for a statement to read it inline (`exists (...)`) instead
 * of in a statement of its own.
 */
export function staffReplySince(conversationId: string, since: Date): SQL | undefined {
  return and(eq(messages.conversationId, conversationId), isStaffReply, gt(messages.createdAt, since));
}

/** Whether the conversation waits on the clinic: a patient message after the last staff reply, if any. */
export async function awaitingStaffReply(db: Queryable, conversationId: string): Promise<boolean> {
  const [lastInbound] = await db
    .select({ createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.direction, 'inbound')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  if (!lastInbound) return false;
  return !(await staffRepliedSince(db, conversationId, lastInbound.createdAt));
}
