import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { MessageRow } from '../conversations/conversation-store';
import type { Database } from '../platform/db/database';
import type { SendQueue } from './send-worker';

export interface OutboundDeps {
  db: Database;
  channels: ChannelRegistry;
  sendQueue: SendQueue;
  logger: Logger;
}

/**
 * Enqueues sends for rows already committed. If Redis is unreachable the rows stay `pending` and
 * the outbox sweeper enqueues them later, so the caller still gets its 202.
 */
export async function enqueueAfterCommit(
  deps: Pick<OutboundDeps, 'sendQueue' | 'logger'>,
  rows: Pick<MessageRow, 'id' | 'requestId' | 'scheduledFor'>[],
): Promise<void> {
  try {
    await deps.sendQueue.add(
      rows.map((row) => ({
        messageId: row.id,
        requestId: row.requestId ?? undefined,
        // Deferred sends wait in BullMQ's delayed set; the sweeper also finds them once due.
        ...(row.scheduledFor ? { notBefore: row.scheduledFor.toISOString() } : {}),
      })),
    );
  } catch (err) {
    deps.logger.warn(
      { err, messageIds: rows.map((r) => r.id) },
      'enqueue failed; the outbox sweeper will retry',
    );
  }
}
