import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { writeAudit } from '../audit/audit-log';
import { findDeliverableAddress } from '../conversations/contact-directory';
import {
  appendOutboundMessage,
  lastInboundChannel,
  type MessageRow,
} from '../conversations/conversation-store';
import type { Database } from '../db/database';
import { conversations } from '../db/schema';
import { HttpError } from '../http/http-error';
import { isOptedOut } from '../policy/consent-ledger';
import type { ChannelRegistry } from './channel-registry';
import type { SendQueue } from './send-worker';

export interface OutboundDeps {
  db: Database;
  channels: ChannelRegistry;
  sendQueue: SendQueue;
  logger: Logger;
}

export interface StaffReply {
  orgId: string;
  staffId: string;
  conversationId: string;
  body: string;
  requestId: string;
  ip?: string;
}

/** Refusals a caller can act on: 4xx with a stable code, nothing written. */
export class SendRefused extends HttpError {
  constructor(code: string, message: string) {
    super(422, code, message);
  }
}

/**
 * A staff reply on the channel the patient last wrote on. Checks consent, writes the outbox row
 * and the audit row in one transaction, then enqueues the send.
 */
export async function queueStaffReply(deps: OutboundDeps, reply: StaffReply): Promise<MessageRow> {
  const [conversation] = await deps.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, reply.conversationId), eq(conversations.orgId, reply.orgId)))
    .limit(1);
  if (!conversation) throw new HttpError(404, 'conversation_not_found', 'No such conversation');

  const channel = (await lastInboundChannel(deps.db, conversation.id)) ?? 'sms';
  const adapter = deps.channels.get(channel);
  if (!adapter)
    throw new SendRefused('channel_unavailable', `The ${channel} channel is not running on this hub`);
  const toAddress = await findDeliverableAddress(deps.db, conversation.contactId, adapter.identityKind);
  if (!toAddress)
    throw new SendRefused('no_address', `The contact has no deliverable ${adapter.identityKind} address`);
  if (await isOptedOut(deps.db, conversation.contactId, channel, 'care')) {
    throw new SendRefused('consent_opted_out', `The contact has opted out of ${channel} messages`);
  }

  const message = await deps.db.transaction(async (tx) => {
    const row = await appendOutboundMessage(tx, {
      orgId: reply.orgId,
      conversationId: conversation.id,
      contactId: conversation.contactId,
      channel,
      toAddress,
      body: reply.body,
      authorKind: 'staff',
      authorStaffId: reply.staffId,
      channelMeta: adapter.describeOutbound?.(reply.body) ?? {},
      requestId: reply.requestId,
    });
    await writeAudit(tx, {
      orgId: reply.orgId,
      actorKind: 'staff',
      actorId: reply.staffId,
      action: 'message.reply',
      subjectType: 'conversation',
      subjectId: conversation.id,
      ip: reply.ip ?? null,
      requestId: reply.requestId,
      detail: { messageId: row.id, channel },
    });
    return row;
  });
  await enqueueAfterCommit(deps, [message]);
  return message;
}

/**
 * Enqueues sends for rows already committed. If Redis is unreachable the rows stay `pending` and
 * the outbox sweeper enqueues them later, so the caller still gets its 202.
 */
export async function enqueueAfterCommit(
  deps: Pick<OutboundDeps, 'sendQueue' | 'logger'>,
  rows: Pick<MessageRow, 'id' | 'requestId'>[],
): Promise<void> {
  try {
    await deps.sendQueue.add(
      rows.map((row) => ({ messageId: row.id, requestId: row.requestId ?? undefined })),
    );
  } catch (err) {
    deps.logger.warn(
      { err, messageIds: rows.map((r) => r.id) },
      'enqueue failed; the outbox sweeper will retry',
    );
  }
}
