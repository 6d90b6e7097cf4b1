import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { type AnsweredMessage, SendError } from '../channel-port';
import { adoptOrphanStatusEvents, getMessage, type MessageRow } from '../conversations/conversation-store';
import { storeMessageEvents } from '../conversations/hub-events';
import type { Database } from '../db/database';
import { messages } from '../db/schema';
import type { ChannelRegistry } from './channel-registry';

/** Data of an `outbound-send` job. The job id is the message id, so a message has at most one job. */
export interface SendJobData {
  messageId: string;
  /** The request that caused the send, so its logs and the webhook's join. */
  requestId?: string;
  /** Deferred sends (quiet hours): the job waits until then. */
  notBefore?: string;
}

export interface SendJobDeps {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
}

export type SendOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'skipped'; reason: 'not_found' | 'already_handled' | 'interrupted' | 'not_due' }
  | { kind: 'failed'; code: string }
  | { kind: 'retry'; code: string; message: string };

/**
 * Sends one outbox message. Safe to run twice: it claims the row (pending -> sending) before calling
 * the provider, so a second run finds nothing to do. A row found in `sending` means an earlier run
 * stopped mid-call; whether the provider accepted it is unknown, so it is marked failed for a person
 * to check rather than sent again (never twice beats maybe twice).
 */
export async function execSendJob(
  deps: SendJobDeps,
  data: SendJobData,
  attempt: { isFinal: boolean },
): Promise<SendOutcome> {
  const log = deps.logger.child({ messageId: data.messageId, requestId: data.requestId });
  const [claimed] = await deps.db
    .update(messages)
    .set({ status: 'sending', sendAttempts: sql`${messages.sendAttempts} + 1`, updatedAt: sql`now()` })
    .where(
      and(
        eq(messages.id, data.messageId),
        eq(messages.status, 'pending'),
        eq(messages.direction, 'outbound'),
        // A deferred send (quiet hours) is not claimed early; the sweeper enqueues it when it is due.
        sql`(${messages.scheduledFor} is null or ${messages.scheduledFor} <= now() + interval '5 seconds')`,
      ),
    )
    .returning();
  if (!claimed) {
    const current = await getMessage(deps.db, data.messageId);
    if (!current) {
      log.warn('send job for a message that does not exist');
      return { kind: 'skipped', reason: 'not_found' };
    }
    if (current.status === 'sending') {
      await markFailed(
        deps.db,
        data.messageId,
        'send_interrupted',
        'An earlier send attempt stopped during the provider call; check before resending',
        'sending',
      );
      log.error('send interrupted earlier; marked failed instead of risking a second send');
      return { kind: 'skipped', reason: 'interrupted' };
    }
    if (current.status === 'pending') return { kind: 'skipped', reason: 'not_due' };
    return { kind: 'skipped', reason: 'already_handled' };
  }

  const adapter = deps.channels.get(claimed.channel);
  if (!adapter || !claimed.toAddress) {
    await markFailed(
      deps.db,
      claimed.id,
      'channel_unavailable',
      `No ${claimed.channel} channel is configured`,
    );
    return { kind: 'failed', code: 'channel_unavailable' };
  }

  try {
    const meta = claimed.channelMeta;
    const answering = adapter.threadsReplies ? await findAnsweredMessage(deps.db, claimed) : null;
    const result = await adapter.send({
      messageId: claimed.id,
      to: claimed.toAddress,
      body: claimed.body,
      media: claimed.media,
      requestId: data.requestId,
      ...(typeof meta.subject === 'string' ? { subject: meta.subject } : {}),
      ...(typeof meta.html === 'string' ? { html: meta.html } : {}),
      ...(answering ? { answering } : {}),
    });
    await deps.db.transaction(async (tx) => {
      await tx
        .update(messages)
        .set({
          providerMessageId: result.providerMessageId,
          status: result.status,
          sentAt: sql`now()`,
          errorCode: null,
          errorMessage: null,
          updatedAt: sql`now()`,
          ...(result.status === 'delivered' ? { deliveredAt: sql`now()` } : {}),
          channelMeta: sql`${messages.channelMeta} || ${JSON.stringify(result.channelMeta ?? {})}::jsonb`,
        })
        .where(eq(messages.id, claimed.id));
      await adoptOrphanStatusEvents(tx, claimed.id, claimed.channel, result.providerMessageId);
      await storeMessageEvents(tx, 'message.status', [claimed.id]);
    });
    log.info({ channel: claimed.channel, status: result.status }, 'message handed to provider');
    return { kind: 'sent', providerMessageId: result.providerMessageId };
  } catch (error) {
    const sendError =
      error instanceof SendError ? error : new SendError('send_error', describeUnknown(error), true);
    if (!sendError.retryable || attempt.isFinal) {
      await markFailed(deps.db, claimed.id, sendError.code, sendError.message);
      log.warn({ code: sendError.code, retryable: sendError.retryable }, 'send failed for good');
      return { kind: 'failed', code: sendError.code };
    }
    // Back to pending so the retry (or the sweeper, if the job is lost) can claim it again.
    await deps.db
      .update(messages)
      .set({
        status: 'pending',
        errorCode: sendError.code,
        errorMessage: sendError.message,
        updatedAt: sql`now()`,
      })
      .where(and(eq(messages.id, claimed.id), eq(messages.status, 'sending')));
    log.warn({ code: sendError.code }, 'send failed; will retry');
    return { kind: 'retry', code: sendError.code, message: sendError.message };
  }
}

/**
 * The patient's message an outbound message answers, for a channel that threads: the one an
 * automatic answer names (`channelMeta.answers`), or, for a staff reply, the patient's latest
 * message on this channel from the address the reply goes to, written before the reply was.
 * Null for anything else (a reminder starts its own thread).
 */
export async function findAnsweredMessage(
  db: Database,
  outbound: MessageRow,
): Promise<AnsweredMessage | null> {
  const answers = outbound.channelMeta.answers;
  const isStaffReply = outbound.policy?.initiator === 'staff_reply';
  if (typeof answers !== 'string' && !isStaffReply) return null;
  const [row] = await db
    .select({ providerMessageId: messages.providerMessageId, channelMeta: messages.channelMeta })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, outbound.conversationId),
        eq(messages.direction, 'inbound'),
        eq(messages.channel, outbound.channel),
        typeof answers === 'string'
          ? eq(messages.id, answers)
          : and(
              eq(messages.fromAddress, outbound.toAddress ?? ''),
              lte(messages.createdAt, outbound.createdAt),
            ),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return row?.providerMessageId
    ? { providerMessageId: row.providerMessageId, channelMeta: row.channelMeta }
    : null;
}

async function markFailed(db: Database, id: string, code: string, message: string, onlyIfStatus = 'sending') {
  await db.transaction(async (tx) => {
    const failed = await tx
      .update(messages)
      .set({ status: 'failed', errorCode: code, errorMessage: message, updatedAt: sql`now()` })
      .where(and(eq(messages.id, id), eq(messages.status, onlyIfStatus as 'sending')))
      .returning({ id: messages.id });
    await storeMessageEvents(
      tx,
      'message.status',
      failed.map((f) => f.id),
    );
  });
}

function describeUnknown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
