import { DelayedError, type Job, UnrecoverableError, type Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { SendError } from '../channel-port';
import { execSendJob, type SendJobData, type SendJobDeps } from '../outbound/send-job';
import { createSendQueue, type SendQueue } from '../outbound/send-worker';
import type { Database } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { createJobWorker, type JobQueueOptions } from '../platform/queues/job-queue';
import { JOB_QUEUE_NAMES } from '../platform/queues/queue-names';
import type { CampaignProgress } from './campaign-progress';
import { CAMPAIGN_CANCELLED_REASON, completeIfDone, endCampaignSends, hasEnded } from './campaign-store';
import type { SenderThrottle } from './sender-throttle';

/** How long a send of a paused campaign waits before it looks at the campaign again. */
const PAUSED_RECHECK_MS = 5000;

/**
 * The carrier's "too many requests" (Twilio answers HTTP 429, with error 20429 when it names one):
 * nothing was accepted, so the message is sent again later, once, and its sender slows down.
 */
const RATE_LIMIT_CODES = new Set(['http_429', 'twilio_20429']);
export const isRateLimited = (code: string) => RATE_LIMIT_CODES.has(code);

/** How long a rate-limited send waits before it queues for its sender's (slowed) slot again. */
const RATE_LIMITED_RETRY_MS = 1000;

/**
 * Campaign sends have a queue of their own, so thousands of them never wait in front of a reply to
 * a patient on the outbound queue; every send takes its sender's slot in the throttle first.
 */
export function initCampaignSendQueue(options: JobQueueOptions): SendQueue {
  return createSendQueue(JOB_QUEUE_NAMES.campaignSend, options);
}

interface CampaignSendContext {
  channel: string;
  campaignId: string | null;
  campaignStatus: string | null;
  campaignEndAt: Date | null;
  /** The campaign's own rate per sender, below the clinic's; null: the clinic's. */
  campaignSendRate: number | null;
}

/**
 * The campaign a message belongs to, from the message's own campaign_id: a secured recipient has two
 * messages (the content behind the link and the notice), and the recipient row names only the notice.
 * Read through that row, the content's send never completed the campaign, which stayed running for
 * good whenever that send ended after the notice's (campaign-results.test.ts met it).
 */
async function sendContext(db: Database, messageId: string): Promise<CampaignSendContext | undefined> {
  const result = await db.execute(sql`
    select m.channel, c.id as campaign_id, c.status, c.end_at, c.send_rate from messages m
    left join campaigns c on c.id = m.campaign_id
    where m.id = ${messageId}`);
  const row = rowsOf<{
    channel: string;
    campaign_id: string | null;
    status: string | null;
    end_at: string | Date | null;
    send_rate: number | null;
  }>(result)[0];
  return (
    row && {
      channel: row.channel,
      campaignId: row.campaign_id,
      campaignStatus: row.status,
      campaignEndAt: row.end_at ? new Date(row.end_at) : null,
      campaignSendRate: row.send_rate === null ? null : Number(row.send_rate),
    }
  );
}

export interface CampaignSendDeps extends SendJobDeps {
  throttle: SenderThrottle;
  /** The sender a channel's messages leave from (its from-number or address), the throttle's key. */
  senderOf: (channel: string) => string;
  /** Told when a send completed its campaign: no message event says so. */
  progress?: Pick<CampaignProgress, 'touch'>;
}

/** The campaign's end passed: its messages not yet sent end (`campaign_ended`), and it may be done. */
async function endUnsentSends(deps: CampaignSendDeps, campaignId: string) {
  await endCampaignSends(deps.db, campaignId);
  if (await completeIfDone(deps.db, campaignId)) deps.progress?.touch(campaignId);
  return { kind: 'skipped', reason: 'already_handled' } as const;
}

/** The send's code when the campaign's end time passed while it waited for its sender's slot. */
const ENDED_WHILE_WAITING = 'campaign_ended';

/** A paused campaign's send waits (delayed, rechecked), a cancelled or ended one's goes no further. */
async function stoppedOutcome(
  deps: CampaignSendDeps,
  job: Pick<Job<SendJobData>, 'data' | 'moveToDelayed'>,
  token: string | undefined,
  context: CampaignSendContext | undefined,
) {
  if (context?.campaignStatus === 'paused') {
    await job.moveToDelayed(Date.now() + PAUSED_RECHECK_MS, token);
    throw new DelayedError();
  }
  if (context?.campaignStatus === 'cancelled') {
    await deps.db.execute(sql`
      update messages set status = 'failed', error_code = ${CAMPAIGN_CANCELLED_REASON}, updated_at = now()
      where id = ${job.data.messageId} and status = 'pending'`);
    return { kind: 'skipped', reason: 'already_handled' } as const;
  }
  // Past the campaign's end time nothing more goes (a deferred message whose morning came too late).
  if (context?.campaignId && hasEnded({ endAt: context.campaignEndAt })) {
    return endUnsentSends(deps, context.campaignId);
  }
  return undefined;
}

/**
 * One campaign send: a paused campaign's message waits (delayed, rechecked), a cancelled one's is
 * failed with `campaign_cancelled`; otherwise the campaign's own slot is taken when it goes slower
 * than its sender, then the sender's throttle slot, and the send runs as any outbox send does
 * (claim, provider, outcome). A carrier rate limit slows the sender down and sends the message again
 * later instead of failing it.
 */
export async function execCampaignSendJob(
  deps: CampaignSendDeps,
  job: Pick<Job<SendJobData>, 'data' | 'attemptsMade' | 'opts' | 'moveToDelayed'>,
  token: string | undefined,
) {
  const first = await sendContext(deps.db, job.data.messageId);
  const stopped = await stoppedOutcome(deps, job, token, first);
  if (stopped) return stopped;
  // Before the claim: at a campaign's own slow rate the wait can be seconds, and a claim's lease
  // must not run out while it waits. The release follows the provider call's end, as the sender's.
  const own = first?.campaignId
    ? await deps.throttle.acquireCampaign(deps.senderOf(first.channel), {
        id: first.campaignId,
        sendRate: first.campaignSendRate,
      })
    : undefined;
  try {
    // A pause, cancel or end while the send waited for its campaign's slot holds.
    const context = own ? await sendContext(deps.db, job.data.messageId) : first;
    if (own) {
      const stoppedMeanwhile = await stoppedOutcome(deps, job, token, context);
      if (stoppedMeanwhile) return stoppedMeanwhile;
    }
    const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await execSendJob(
      {
        ...deps,
        // A rate limit never uses up the message's attempts: it waits, however long the carrier asks.
        // Nor does an end time reached while waiting for the slot: the message is ended below.
        isNeverFinal: (error) => isRateLimited(error.code) || error.code === ENDED_WHILE_WAITING,
        // Campaign messages take their sender's slot right before the provider call: the claim's
        // database work before it would otherwise blur the pace the carrier sees. The throttle is told
        // when the call ended (the answered release), the latest the carrier can have seen it.
        // The slot can take seconds when many wait for it: the end time is checked again once it is
        // ours, so nothing reaches the carrier after the campaign's end.
        beforeProviderCall: context
          ? async () => {
              const release = await deps.throttle.acquire(deps.senderOf(context.channel));
              if (!hasEnded({ endAt: context.campaignEndAt })) return release;
              await release?.();
              throw new SendError(ENDED_WHILE_WAITING, 'the campaign ended while the send waited', true);
            }
          : undefined,
      },
      job.data,
      { isFinal },
    );
    if (context?.campaignId && outcome.kind === 'retry' && outcome.code === ENDED_WHILE_WAITING) {
      // Pending again (execSendJob): ended with the campaign's other unsent messages.
      return endUnsentSends(deps, context.campaignId);
    }
    if (context && outcome.kind === 'retry' && isRateLimited(outcome.code)) {
      // The message is pending again (execSendJob); its job waits and comes back without counting as
      // an attempt (a DelayedError is not a failure), then queues for the slowed sender's slot.
      const slowdown = await deps.throttle.slowDown(deps.senderOf(context.channel));
      deps.logger.warn({ messageId: job.data.messageId, slowdown }, 'carrier rate limit; sender slowed down');
      await job.moveToDelayed(Date.now() + RATE_LIMITED_RETRY_MS, token);
      throw new DelayedError();
    }
    // A send that will be tried again leaves its message pending: the campaign cannot be done yet.
    if (
      context?.campaignId &&
      outcome.kind !== 'retry' &&
      (await completeIfDone(deps.db, context.campaignId))
    ) {
      deps.progress?.touch(context.campaignId);
    }
    return outcome;
  } finally {
    await own?.();
  }
}

export function initCampaignSendWorker(
  deps: CampaignSendDeps,
  options: JobQueueOptions,
): Worker<SendJobData> {
  return createJobWorker<SendJobData>(
    JOB_QUEUE_NAMES.campaignSend,
    async (job, token) => {
      const outcome = await execCampaignSendJob(deps, job, token);
      if (outcome.kind === 'retry') throw new Error(`${outcome.code}: ${outcome.message}`);
      if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.code);
      return outcome;
    },
    // A few sends at once, so the provider's latency does not slow a campaign below its rate, but no
    // more than about one second of them: a send waiting for its slot holds its claim's lease.
    {
      ...options,
      concurrency: Math.max(1, Math.min(options.concurrency, Math.ceil(deps.throttle.ratePerSecond))),
    },
    deps.logger,
  );
}
