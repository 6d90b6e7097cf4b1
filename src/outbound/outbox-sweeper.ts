import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { SECURELINK_CHANNEL } from '../securelinks/secure-link-replies';
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
  kind: SweepKind = 'conversations',
): Promise<number> {
  const rows = await outboxRowsToSweep(db, graceSeconds, kind);
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

export type SweepKind = 'conversations' | 'campaigns';

/**
 * Which sweeper brings a row back: the campaign one takes a campaign recipient's message, the one
 * campaign_recipients.message_id points to. That is every outbound row with a campaign id but the
 * content of a secure-link campaign message (channel `securelink`): the recipient points to its
 * notice, and the content row, enqueued with it, is the outbound sweeper's, as any secure content.
 * A campaign's test send carries no campaign id (campaign-test-send.ts), nor does a failed send sent
 * again. Decided on the row's own columns, not by a lookup of campaign_recipients per row, so each
 * sweeper reads its rows from a partial index of its own.
 */
const campaignRow = sql`m.campaign_id is not null and m.channel <> ${SECURELINK_CHANNEL}`;
const conversationRow = sql`(m.campaign_id is null or m.channel = ${SECURELINK_CHANNEL})`;

/**
 * A pending row is due once `coalesce(scheduled_for, updated_at)` has passed (a row past its grace is
 * older still): the order of messages_outbox_due_idx and messages_campaign_outbox_due_idx, so a
 * sweep stops at now() and never reads the rows deferred to later (a campaign's overnight ones).
 */
const dueAt = sql`coalesce(m.scheduled_for, m.updated_at)`;

/** The rows a sweep re-enqueues (at most 1000), read only among those it may return. */
export async function outboxRowsToSweep(
  db: Database,
  graceSeconds: number,
  kind: SweepKind,
): Promise<{ id: string; requestId: string | null; status: string }[]> {
  const rows = rowsOf<{ id: string; request_id: string | null; status: string }>(
    await db.execute(sweepQuery(graceSeconds, kind)),
  );
  return rows.map((row) => ({ id: row.id, requestId: row.request_id, status: row.status }));
}

/** The query of outboxRowsToSweep (its plan is tested: test/integration/outbox-sweep-index.test.ts). */
export function sweepQuery(graceSeconds: number, kind: SweepKind): SQL {
  const pendingPastGrace = sql`m.status = 'pending' and m.direction = 'outbound' and ${dueAt} <= now()
    and m.updated_at <= now() - make_interval(secs => ${graceSeconds})`;
  // A campaign's pending rows only while it runs: found from its running campaigns, by campaign.
  const pending =
    kind === 'campaigns'
      ? sql`select m.id, m.request_id, m.status from campaigns c join messages m on m.campaign_id = c.id
          where c.status = 'running' and ${campaignRow} and ${pendingPastGrace}`
      : sql`select m.id, m.request_id, m.status from messages m where ${conversationRow} and ${pendingPastGrace}`;
  // Lapsed claims are few, found by messages_lease_idx (or messages_outbox_idx).
  const lapsed = sql`select m.id, m.request_id, m.status from messages m
    where m.status = 'sending' and m.direction = 'outbound' and (m.lease_until is null or m.lease_until <= now())
      and ${kind === 'campaigns' ? campaignRow : conversationRow}`;
  return sql`(${pending} limit 1000) union all (${lapsed} limit 1000) limit 1000`;
}
