import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, Queue, type Worker } from 'bullmq';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import {
  decideOutboundBatch,
  type OutboundOutcome,
  type OutboundServiceDeps,
  outboxRows,
  sendRefusal,
  writeOutboundBatch,
} from '../outbound/outbound-service';
import { enqueueAfterCommit } from '../outbound/outbox-enqueue';
import { campaignRecipients, campaigns } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import { rowsOf } from '../platform/db/rows';
import { createJobWorker, type JobQueueOptions } from '../platform/queues/job-queue';
import { JOB_QUEUE_NAMES } from '../platform/queues/queue-names';
import { producerConnection } from '../platform/queues/redis-connections';
import { insertRecipients } from './campaign-audience';
import { decideCampaignRecipients } from './campaign-decide';
import type { CampaignProgress } from './campaign-progress';
import { campaignSendRequest, capFor, skipReasonOf } from './campaign-request';
import {
  type CampaignRow,
  campaignMessagesToGo,
  completeIfDone,
  endCampaignSends,
  hasEnded,
  runIsCurrent,
} from './campaign-store';
import { contactsAtCap, FREQUENCY_CAP_REASON, type FrequencyCap } from './frequency-cap';
import { recipientAttributes } from './list-columns';

/** Data of a `campaign-plan` job: one run of one campaign (job id `<campaign>-<run>`). */
export interface CampaignPlanJobData {
  campaignId: string;
  run: number;
  /** The job added for the campaign's end time (job id `<campaign>-<run>-end`): it ends what is left. */
  end?: boolean;
  /**
   * A job the run left for when its next ready recipient is due (job id `<campaign>-<run>-at-<ms>`,
   * delayed until JOB_HORIZON_MS before then): the run carries on there.
   */
  wakeAt?: number;
  /**
   * The job a start adds beside a scheduled run's job (job id `<campaign>-<run>-audience`): it
   * inserts the recipients now, the audience as it was at the start, and ends (insertRecipients).
   */
  audience?: boolean;
}

export interface CampaignPlannerDeps {
  /** The send pipeline, with `sendQueue` the campaign send queue (campaign-send-worker.ts). */
  outbound: OutboundServiceDeps;
  /** Messages per second per sender: the planner keeps a few seconds of them ready, no more. */
  sendRate: number;
  /** Waits between looks at a full window; a test may shorten it. */
  pollMs?: number;
  /** Aborted when the hub closes: the run stops by failing, so BullMQ retries it later (elsewhere). */
  signal?: AbortSignal;
  /** The clinic-wide cap on marketing messages per contact; none when absent. */
  frequencyCap?: FrequencyCap;
  /** Told after each batch: skips move the figures without any message event. */
  progress?: Pick<CampaignProgress, 'touch'>;
  /** Adds the run's job for later (its wakeAt); without it, a run waits for its next due recipient. */
  later?: (data: CampaignPlanJobData) => Promise<void>;
}

/** The campaign was paused, cancelled or started again meanwhile: nothing is written. */
class RunStopped extends Error {}

/** A campaign recipient as the planner reads it. */
export interface PlannableRecipient {
  id: number;
  contactId: string;
  displayName: string | null;
  attributes: Record<string, string>;
}

export interface PlanBatchResult {
  planned: number;
  skipped: number;
  /** Decided meanwhile by another run or process: nothing was written for them. */
  alreadyDecided: number;
  /** The campaign left `running` or a newer run began: nothing of the batch was written. */
  runStopped: boolean;
}

/**
 * Plans a batch of recipients through the one policy gate every send passes (decideOutboundBatch:
 * the same rules as planOutbound, with the contacts' policy inputs loaded in a few queries for the
 * whole batch), then writes the batch in one transaction: outbox rows and audit rows in multi-row
 * inserts (writeOutboundBatch), each recipient marked `planned` with its message or `skipped` with
 * its code. Only recipients still pending or ready (decided at the start of the run, and released
 * now: decideCampaignRecipients) are written, under a row lock taken in id order: a second
 * run, a retried job or another process planning the same recipients writes nothing for them. The
 * jobs of those due are enqueued in bulk after the commit (the outbox sweeper covers a lost enqueue,
 * and enqueues the deferred ones once due: dueSoon).
 */
export async function planRecipients(
  deps: CampaignPlannerDeps,
  campaign: CampaignRow,
  recipients: PlannableRecipient[],
): Promise<PlanBatchResult> {
  const result: PlanBatchResult = { planned: 0, skipped: 0, alreadyDecided: 0, runStopped: false };
  if (recipients.length === 0) return result;
  const { outbound } = deps;
  const cap = capFor(outbound, campaign, deps.frequencyCap);
  const requests = recipients.map((r) => campaignSendRequest(campaign, r, outbound.clinic.name));
  const decided = await decideOutboundBatch(outbound, requests);
  // A decision that cannot be written is a skip with its code; any other error fails the batch.
  const skipOf = (i: number): string | undefined => {
    const one = decided[i]!;
    if (!one.ok) {
      const reason = skipReasonOf(one.error);
      if (!reason) throw one.error;
      return reason;
    }
    const refusal = sendRefusal(one.send);
    return refusal ? skipReasonOf(refusal) : undefined;
  };
  const skips = recipients.map((_, i) => skipOf(i));
  let outcomes: OutboundOutcome[] = [];
  try {
    outcomes = await outbound.db.transaction(async (tx) => {
      // Under a share lock on the campaign, which a pause or cancel takes for update: nothing is
      // planned after either commits, even by a batch already under way.
      if (!(await runIsCurrent(tx, campaign))) throw new RunStopped();
      const pending = await tx
        .select({ id: campaignRecipients.id })
        .from(campaignRecipients)
        .where(
          and(
            // One array parameter for the batch's thousand ids (see resolveConversations).
            sql`${campaignRecipients.id} = any(${sql.param(recipients.map((r) => r.id))}::bigint[])`,
            // Released (`ready`, decided at the start of the run) or not decided yet (`pending`).
            inArray(campaignRecipients.status, ['pending', 'ready']),
          ),
        )
        .orderBy(asc(campaignRecipients.id))
        .for('update');
      const claimed = new Set(pending.map((r) => r.id));
      result.alreadyDecided = recipients.length - claimed.size;
      const mine = recipients.flatMap((r, i) => (claimed.has(r.id) ? [i] : []));
      // After the policy, as planOutbound's refusals come first: a refused recipient counts as that.
      const atCap = cap
        ? await contactsAtCap(
            tx,
            mine.filter((i) => !skips[i]).map((i) => recipients[i]!.contactId),
            cap,
            { lock: true },
          )
        : new Set<string>();
      for (const i of mine) {
        if (!skips[i] && atCap.has(recipients[i]!.contactId)) skips[i] = FREQUENCY_CAP_REASON;
      }
      // Policy refusals keep their audit row; the capped and the template errors write none, as before.
      const toWrite = mine.flatMap((i) => {
        const one = decided[i]!;
        if (!one.ok || skips[i] === FREQUENCY_CAP_REASON) return [];
        return skips[i] && one.send.decision.allowed ? [] : [{ i, send: one.send }];
      });
      const written = await writeOutboundBatch(
        tx,
        outbound,
        toWrite.map((w) => w.send),
      );
      const messageOf = new Map<number, string>();
      toWrite.forEach((w, k) => {
        const outcome = written[k];
        if (outcome) messageOf.set(recipients[w.i]!.id, outcome.message.id);
      });
      // Each recipient claimed is planned with its message or skipped with its code, in one UPDATE.
      const decidedIds = mine.filter((i) => messageOf.has(recipients[i]!.id) || skips[i]);
      const ids = decidedIds.map((i) => recipients[i]!.id);
      if (ids.length > 0) {
        // The `any` finds the rows by primary key: a join alone hashed a scan of every recipient.
        await tx.execute(sql`
          update ${campaignRecipients} r
          set status = case when v.message_id is null then 'skipped' else 'planned' end,
            message_id = v.message_id, skip_reason = v.reason, decided_at = now()
          from unnest(${sql.param(ids)}::bigint[],
            ${sql.param(ids.map((id) => messageOf.get(id) ?? null))}::uuid[],
            ${sql.param(decidedIds.map((i) => (messageOf.has(recipients[i]!.id) ? null : skips[i]!)))}::text[])
            as v(id, message_id, reason)
          where r.id = v.id and r.id = any(${sql.param(ids)}::bigint[])`);
      }
      result.planned = messageOf.size;
      result.skipped = ids.length - messageOf.size;
      return written.filter((o): o is OutboundOutcome => o !== undefined);
    });
  } catch (error) {
    if (!(error instanceof RunStopped)) throw error;
    return { planned: 0, skipped: 0, alreadyDecided: 0, runStopped: true };
  }
  await enqueueAfterCommit(outbound, dueSoon(outcomes.flatMap(outboxRows)));
  return result;
}

/**
 * How far ahead a deferred message gets its (delayed) job when planned. One deferred further, to the
 * end of quiet hours or the patient's morning, waits in PostgreSQL instead: the campaign outbox
 * sweeper enqueues it once it is due and its campaign runs (within OUTBOX_SWEEP_SECONDS of then).
 * A job is the dearest part of planning a recipient (a script run in Redis), and a campaign started
 * in the evening would otherwise hold a delayed job per patient until morning.
 */
export const JOB_HORIZON_MS = 60_000;

/** The rows to enqueue now: those due within JOB_HORIZON_MS. */
function dueSoon<T extends { scheduledFor: Date | null }>(rows: T[], now = Date.now()): T[] {
  return rows.filter((row) => !row.scheduledFor || row.scheduledFor.getTime() <= now + JOB_HORIZON_MS);
}

/**
 * A run whose next ready recipient is due further ahead than this (her morning) leaves a delayed
 * job for then and ends, rather than hold one of the plan worker's slots for hours.
 */
export const WAKE_AFTER_MS = 60_000;

/**
 * One run of a campaign, in three phases. First, on its first run (or a run taken up after one was
 * stopped midway), the recipients' rows: the audience as it was at the start, inserted in short
 * pages (insertRecipients; a scheduled campaign's are inserted at its start by its `-audience` job).
 * Then the decide phase (decideCampaignRecipients): every
 * recipient still pending is decided set-wise and written skipped with its reason or `ready` with
 * her channel and due time, so the figures show the skips at once. Then the release: the ready
 * recipients due within JOB_HORIZON_MS, in due-time order, a few seconds of sending ahead of the
 * throttle, are planned by planRecipients (which decides each again at that moment, writes her
 * message and enqueues its job), so a pause or cancel stops nearly everything not yet sent. A run
 * whose next recipient is due later (her morning) sleeps until then, or with `later` leaves a job
 * for then. Stops when the campaign leaves `running` or a newer run begins. Safe to run twice or to
 * die midway: every recipient is decided once per phase (only pending rows are decided, only
 * pending or ready rows planned), and what is left is taken up by the next run.
 */
export async function execCampaignPlanJob(
  deps: CampaignPlannerDeps,
  data: CampaignPlanJobData,
): Promise<'stopped' | 'planned_all' | 'ended' | 'waiting' | 'audience'> {
  const { db } = deps.outbound;
  const options = { logger: deps.outbound.logger, ...(deps.signal ? { signal: deps.signal } : {}) };
  let decided = false;
  for (;;) {
    if (deps.signal?.aborted) throw new Error('campaign planner stopped: the hub is closing');
    const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, data.campaignId));
    if (!campaign || campaign.run !== data.run) return 'stopped';
    // A scheduled campaign whose time came (this job was delayed until then) starts running now.
    if (campaign.status === 'scheduled' && !data.audience) {
      await db
        .update(campaigns)
        .set({ status: 'running', updatedAt: sql`now()` })
        .where(and(eq(campaigns.id, campaign.id), eq(campaigns.status, 'scheduled')));
      continue;
    }
    if (data.audience) {
      if (campaign.status !== 'scheduled' && campaign.status !== 'running') return 'stopped';
      await insertRecipients(db, campaign, deps.outbound.channels, options);
      return 'audience';
    }
    if (campaign.status !== 'running') return 'stopped';
    // First its recipients' rows, the audience as it was at the start (the start only counted it).
    // Before the end time's check: a campaign that ended meanwhile counts them, skipped as ended.
    if (!data.end && !campaign.recipientsInsertedAt) {
      if ((await insertRecipients(db, campaign, deps.outbound.channels, options)).stopped) return 'stopped';
      continue;
    }
    // Past its end time: what is left is skipped, and the campaign completes once nothing is sending.
    if (hasEnded(campaign)) {
      await endCampaignSends(db, campaign.id);
      await completeIfDone(db, campaign.id);
      deps.progress?.touch(campaign.id);
      return 'ended';
    }
    // An end job that came early (a clock a little behind) looks again at the end time.
    if (data.end) {
      if (!campaign.endAt) return 'stopped';
      await sleep(Math.min(1000, Math.max(50, (campaign.endAt?.getTime() ?? 0) - Date.now())));
      continue;
    }
    if (!decided) {
      if ((await decideCampaignRecipients(deps, campaign)).stopped) return 'stopped';
      decided = true;
      deps.progress?.touch(campaign.id);
      continue;
    }
    // Its messages due and not yet sent, from messages_campaign_outbox_idx: the window, not the campaign.
    // Due within the horizon the release looks ahead: a morning's first messages, written a moment
    // before it, fill the window as those due now do, so the rest are decided at their turn.
    const waiting = await db.execute(
      sql`select count(*) as n from (${campaignMessagesToGo(campaign.id, { dueWithinMs: JOB_HORIZON_MS })}) due`,
    );
    // A few seconds of sending. A campaign slower than the clinic's rate keeps two seconds of its
    // own: each of its sends waits for the campaign's slot in one of the send worker's slots
    // (campaign-send-worker.ts), which a longer window would hold from the other campaigns.
    const own = campaign.sendRate !== null && campaign.sendRate < deps.sendRate ? campaign.sendRate : null;
    const window =
      own !== null ? Math.max(2, Math.ceil(own * 2)) : Math.max(10, Math.ceil(deps.sendRate * 5));
    // A release is a batch's fixed cost (the policy's reads, a transaction, the jobs) whatever its
    // size: topped up a few messages at every look (every 250 ms at 20 sends/s: batches of 5), it cost
    // about as many statements as the sends themselves. Released once a quarter of the window is free,
    // the window still holds three quarters of it or more.
    const leastRelease = Math.max(1, Math.floor(window / 4));
    const room = window - Number(rowsOf<{ n: string }>(waiting)[0]?.n ?? 0);
    if (room < leastRelease) {
      await sleep(deps.pollMs ?? 250);
      continue;
    }
    // The release order, from campaign_recipients_ready_idx: due first, then as they were listed.
    const batch = await db
      .select({
        id: campaignRecipients.id,
        contactId: campaignRecipients.contactId,
        displayName: contacts.displayName,
        attributes: recipientAttributes(campaign.audience.filter),
      })
      .from(campaignRecipients)
      .innerJoin(contacts, eq(contacts.id, campaignRecipients.contactId))
      .where(
        and(
          eq(campaignRecipients.campaignId, campaign.id),
          eq(campaignRecipients.status, 'ready'),
          sql`${campaignRecipients.dueAt} <= now() + ${`${JOB_HORIZON_MS} milliseconds`}::interval`,
        ),
      )
      .orderBy(asc(campaignRecipients.dueAt), asc(campaignRecipients.id))
      .limit(room);
    if (batch.length === 0) {
      const [next] = await db
        .select({ dueAt: campaignRecipients.dueAt })
        .from(campaignRecipients)
        .where(and(eq(campaignRecipients.campaignId, campaign.id), eq(campaignRecipients.status, 'ready')))
        .orderBy(asc(campaignRecipients.dueAt))
        .limit(1);
      if (!next?.dueAt) {
        await completeIfDone(db, campaign.id);
        deps.progress?.touch(campaign.id);
        return 'planned_all';
      }
      const wait = next.dueAt.getTime() - JOB_HORIZON_MS - Date.now();
      if (deps.later && wait > WAKE_AFTER_MS) {
        await deps.later({ campaignId: campaign.id, run: campaign.run, wakeAt: next.dueAt.getTime() });
        return 'waiting';
      }
      // Looks again at least every second: a pause, a cancel or the hub's closing ends the wait.
      await sleep(Math.min(1000, Math.max(50, wait)));
      continue;
    }
    if ((await planRecipients(deps, campaign, batch)).runStopped) return 'stopped';
    deps.progress?.touch(campaign.id);
  }
}

/** One job per campaign run; its id makes a second start of the same run add nothing. */
export interface CampaignPlanQueue {
  add(data: CampaignPlanJobData, startAt?: Date | null): Promise<void>;
  /**
   * Adds the run's job unless it is there and live (waiting, delayed, running) or the run carries on
   * in its job for a morning (`-at-<ms>`, waiting, delayed or running); true when added. A job of
   * the run that failed for good (all its attempts) is removed and added again, with its attempts
   * anew: the run's state is in PostgreSQL, and each step of it is safe to run twice.
   */
  ensure(data: CampaignPlanJobData, startAt?: Date | null): Promise<boolean>;
  close(): Promise<void>;
}

const jobIdOf = (data: CampaignPlanJobData) =>
  `${data.campaignId}-${data.run}${data.end ? '-end' : data.audience ? '-audience' : data.wakeAt !== undefined ? `-at-${data.wakeAt}` : ''}`;

export function initCampaignPlanQueue(options: JobQueueOptions): CampaignPlanQueue {
  const connection = producerConnection(options.redisUrl);
  connection.on('error', () => undefined);
  const queue = new Queue<CampaignPlanJobData>(JOB_QUEUE_NAMES.campaignPlan, {
    connection,
    prefix: options.prefix,
  });
  queue.on('error', () => undefined);
  return {
    async add(data, startAt) {
      const at = data.wakeAt !== undefined ? new Date(data.wakeAt - JOB_HORIZON_MS) : startAt;
      const delay = at ? Math.max(0, at.getTime() - Date.now()) : 0;
      await queue.add('plan', data, {
        jobId: jobIdOf(data),
        delay,
        attempts: 10,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    async ensure(data, startAt) {
      const existing = await queue.getJob(jobIdOf(data));
      if (existing) {
        const state = await existing.getState();
        if (state !== 'failed' && state !== 'completed') return false;
        await existing.remove();
      }
      // A run that waited for its recipients' morning carries on in its `-at-<ms>` job, which may be
      // releasing them (a large morning takes minutes) or waiting for a worker: a second job of the
      // run would plan beside it (both of the plan worker's slots, twice the window ahead).
      const queued = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
      const sameRun = (job: Job<CampaignPlanJobData> | undefined) =>
        job?.data.campaignId === data.campaignId && job.data.run === data.run && !job.data.end;
      if (queued.some(sameRun)) return false;
      await this.add(data, startAt);
      return true;
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

export function initCampaignPlanWorker(
  deps: CampaignPlannerDeps,
  options: JobQueueOptions,
): Worker<CampaignPlanJobData> {
  return createJobWorker<CampaignPlanJobData>(
    JOB_QUEUE_NAMES.campaignPlan,
    (job: Job<CampaignPlanJobData>) => execCampaignPlanJob(deps, job.data),
    { ...options, concurrency: 2 },
    deps.outbound.logger,
    // A run lasts as long as its campaign sends. Its lock is renewed while its process lives; when the
    // process dies, another takes the run over within about 15 s rather than BullMQ's default minute.
    { lockDuration: 10_000, stalledInterval: 5_000 },
  );
}
