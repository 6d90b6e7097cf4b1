import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import type { SendQueue } from './send-worker';

/**
 * Postgres is the source of truth. The sweeper brings back two kinds of outbox rows whose job may be
 * gone (Redis flushed or restarted, the enqueue after commit failed, the worker's process killed):
 * - `pending` rows older than `graceSeconds`, and due;
 * - `sending` rows whose claim's lease lapsed, whatever happened to their job: the send job takes
 *   the claim over and reconciles it with the provider before deciding to send.
 * Re-adding is harmless when the job still waits or runs, because its id is the message id; a job
 * that already ended (failed after its last attempt, or finished while another claim held the row) is
 * removed first, so it cannot stop the message's new job from being added.
 */
export async function sweepOutbox(
  db: Database,
  queue: SendQueue,
  graceSeconds: number,
  /**
   * Campaign messages have their own queue and throttle (src/campaigns): the outbound sweeper leaves
   * them to the campaign one (`campaigns`), which brings back a pending row only while its campaign runs.
   */
  kind: 'conversations' | 'campaigns' = 'conversations',
): Promise<number> {
  const campaignRow = sql`exists (select 1 from campaign_recipients r where r.message_id = ${messages.id})`;
  const pendingOfRunningCampaign = sql`exists (select 1 from campaign_recipients r join campaigns c on c.id = r.campaign_id
    where r.message_id = ${messages.id} and c.status = 'running')`;
  const scope = kind === 'campaigns' ? campaignRow : sql`not ${campaignRow}`;
  const rows = await db
    .select({ id: messages.id, requestId: messages.requestId })
    .from(messages)
    .where(
      and(
        scope,
        or(
          and(
            eq(messages.status, 'pending'),
            eq(messages.direction, 'outbound'),
            lte(messages.updatedAt, sql`now() - make_interval(secs => ${graceSeconds})`),
            or(isNull(messages.scheduledFor), lte(messages.scheduledFor, sql`now()`)),
            kind === 'campaigns' ? pendingOfRunningCampaign : undefined,
          ),
          and(
            eq(messages.status, 'sending'),
            eq(messages.direction, 'outbound'),
            or(isNull(messages.leaseUntil), lte(messages.leaseUntil, sql`now()`)),
          ),
        ),
      ),
    )
    .limit(1000);
  await Promise.all(
    rows.map(async (row) => {
      const state = await queue.queue.getJobState(row.id);
      if (state === 'completed' || state === 'failed') await queue.queue.remove(row.id);
    }),
  );
  await queue.add(rows.map((row) => ({ messageId: row.id, requestId: row.requestId ?? undefined })));
  return rows.length;
}
