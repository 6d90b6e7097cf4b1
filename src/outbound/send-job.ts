import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { SendError } from '../channel-port';
import { adoptOrphanStatusEvents, getMessage } from '../conversations/conversation-store';
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
    const result = await adapter.send({
      messageId: claimed.id,
      to: claimed.toAddress,
      body: claimed.body,
      media: claimed.media,
      requestId: data.requestId,
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
