import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import { type SendJobData, sendJobId } from './send-job';
import type { SendQueue } from './send-worker';

/**
 * Postgres is the source of truth. The sweeper brings back two kinds of outbox rows whose job may be
 * gone (Redis flushed or restarted, the enqueue after commit failed, the worker's process killed):
 * - `pending` rows older than `graceSeconds`, and due;
 * - `sending` rows whose claim's lease lapsed, whatever happened to their job: the send job takes
 *   the claim over and reconciles it with the provider before deciding to send.
 * Re-adding a row's job is harmless while it still waits or runs, because its id is the message id;
 * a job that already ended (failed after its last attempt, or finished while another claim held the
 * row) is removed first, so it cannot stop the message's new job from being added.
 * A lapsed claim whose job is still `active` gets a takeover job (`sendJobId`): that job may belong to
 * a worker that was killed, and BullMQ hands it back only once its lock expires and a stall check
 * runs (up to a minute). The row's claim, not the job, keeps the two from both sending; a takeover
 * job that waits or backs off is left alone, so a message has at most those two jobs.
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
    .select({ id: messages.id, requestId: messages.requestId, status: messages.status })
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
  const jobs = await Promise.all(
    rows.map(async (row): Promise<SendJobData> => {
      const job: SendJobData = { messageId: row.id, requestId: row.requestId ?? undefined };
      const state = await queue.queue.getJobState(row.id);
      if (row.status !== 'sending' || state !== 'active') return removeIfEnded(queue, job, state);
      const takeover = { ...job, takeover: true };
      return removeIfEnded(queue, takeover, await queue.queue.getJobState(sendJobId(takeover)));
    }),
  );
  await queue.add(jobs);
  return rows.length;
}

async function removeIfEnded(queue: SendQueue, job: SendJobData, state: string): Promise<SendJobData> {
  if (state === 'completed' || state === 'failed') await queue.queue.remove(sendJobId(job));
  return job;
}
