import { type Job, Queue, type Worker } from 'bullmq';
import { and, asc, eq, sql } from 'drizzle-orm';
import {
  type OutboundRequest,
  type OutboundServiceDeps,
  PolicyRefused,
  planOutbound,
} from '../outbound/outbound-service';
import { campaignRecipients, campaigns } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import type { Transaction } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { HttpError } from '../platform/http/http-error';
import { createJobWorker, type JobQueueOptions } from '../platform/queues/job-queue';
import { JOB_QUEUE_NAMES } from '../platform/queues/queue-names';
import { producerConnection } from '../platform/queues/redis-connections';
import { SecureLinkRefused } from '../securelinks/secure-link-store';
import { TemplateError } from '../templates';
import { type CampaignRow, completeIfDone } from './campaign-store';
import { exceedsCapWithNewMessage, FREQUENCY_CAP_REASON, type FrequencyCap } from './frequency-cap';

/** Data of a `campaign-plan` job: one run of one campaign (job id `<campaign>-<run>`). */
export interface CampaignPlanJobData {
  campaignId: string;
  run: number;
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
}

/** Whether the cap holds back this campaign's messages: it counts and limits marketing only. */
export function capFor(
  deps: { templates: OutboundServiceDeps['templates'] },
  campaign: Pick<CampaignRow, 'template'>,
  cap: FrequencyCap | undefined,
): FrequencyCap | undefined {
  if (!cap || cap.messages <= 0) return undefined;
  return deps.templates.get(campaign.template)?.purpose === 'marketing' ? cap : undefined;
}

/** Another run (or process) decided this recipient first: nothing is written. */
class AlreadyDecided extends Error {}

/** The campaign was paused, cancelled or started again meanwhile: nothing is written. */
class RunStopped extends Error {}

/** The message would take the contact over the frequency cap: it is rolled back, the recipient skipped. */
class FrequencyCapped extends Error {}

/** The variables of one recipient: the campaign's, then the contact's name and imported attributes. */
export function recipientVariables(
  campaign: Pick<CampaignRow, 'variables'>,
  contact: { displayName: string | null; attributes: Record<string, string> },
  clinicName: string,
): Record<string, unknown> {
  return {
    clinicName,
    ...campaign.variables,
    ...(contact.displayName ? { name: contact.displayName } : {}),
    ...contact.attributes,
  };
}

/** What planOutbound is asked for one recipient: the same for the preview's dry run and the send. */
export function campaignSendRequest(
  campaign: CampaignRow,
  recipient: { contactId: string; displayName: string | null; attributes: Record<string, string> },
  clinicName: string,
): OutboundRequest {
  return {
    orgId: campaign.orgId,
    contactId: recipient.contactId,
    initiator: 'automated',
    requestedChannel: campaign.channelPreference ?? undefined,
    content: { template: campaign.template, variables: recipientVariables(campaign, recipient, clinicName) },
    automation: 'campaign',
    requestId: `campaign-${campaign.id}`,
  };
}

/** The code a recipient is skipped with when planOutbound refuses it. */
export function skipReasonOf(error: unknown): string | undefined {
  if (error instanceof PolicyRefused) return error.code;
  if (error instanceof TemplateError) return error.code;
  if (error instanceof SecureLinkRefused) return error.code;
  if (error instanceof HttpError && error.status === 422) return error.code;
  return undefined;
}

/**
 * Plans one recipient through planOutbound, the one gate every send passes (policy, template,
 * secure link, outbox row). The outbox row and the recipient's `planned` mark commit together, and
 * only if the recipient was still pending: a second run, a retried job or another process planning
 * the same recipient writes nothing. A refusal marks the recipient skipped with its code.
 */
export async function planRecipient(
  deps: CampaignPlannerDeps,
  campaign: CampaignRow,
  recipient: {
    id: number;
    contactId: string;
    displayName: string | null;
    attributes: Record<string, string>;
  },
): Promise<'planned' | 'skipped' | 'already_decided' | 'run_stopped'> {
  const cap = capFor(deps.outbound, campaign, deps.frequencyCap);
  const markPlanned = async (tx: Transaction, messageId: string) => {
    // Under a share lock on the campaign, which a pause or cancel takes for update: nothing is
    // planned after either commits, even by a batch already under way.
    const [current] = await tx
      .select({ status: campaigns.status, run: campaigns.run })
      .from(campaigns)
      .where(eq(campaigns.id, campaign.id))
      .for('share');
    if (current?.status !== 'running' || current.run !== campaign.run) throw new RunStopped();
    const updated = await tx
      .update(campaignRecipients)
      .set({ status: 'planned', messageId, decidedAt: sql`now()` })
      .where(and(eq(campaignRecipients.id, recipient.id), eq(campaignRecipients.status, 'pending')))
      .returning({ id: campaignRecipients.id });
    if (updated.length === 0) throw new AlreadyDecided();
    if (cap && (await exceedsCapWithNewMessage(tx, recipient.contactId, cap))) throw new FrequencyCapped();
  };
  try {
    await planOutbound(deps.outbound, campaignSendRequest(campaign, recipient, deps.outbound.clinic.name), {
      dryRun: false,
      inTransaction: (tx, message) => markPlanned(tx, message.id),
    });
    return 'planned';
  } catch (error) {
    if (error instanceof AlreadyDecided) return 'already_decided';
    if (error instanceof RunStopped) return 'run_stopped';
    const reason = error instanceof FrequencyCapped ? FREQUENCY_CAP_REASON : skipReasonOf(error);
    if (!reason) throw error;
    await deps.outbound.db
      .update(campaignRecipients)
      .set({ status: 'skipped', skipReason: reason, decidedAt: sql`now()` })
      .where(and(eq(campaignRecipients.id, recipient.id), eq(campaignRecipients.status, 'pending')));
    return 'skipped';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One run of a campaign: plans its pending recipients a few seconds of sending ahead of the
 * throttle, so a pause or cancel stops nearly everything not yet sent, and stops when the campaign
 * leaves `running` or a newer run begins. Safe to run twice or to die midway: every recipient is
 * decided once (planRecipient), and what is left pending is planned by the next run.
 */
export async function execCampaignPlanJob(
  deps: CampaignPlannerDeps,
  data: CampaignPlanJobData,
): Promise<'stopped' | 'planned_all'> {
  const { db } = deps.outbound;
  const window = Math.max(10, Math.ceil(deps.sendRate * 5));
  for (;;) {
    if (deps.signal?.aborted) throw new Error('campaign planner stopped: the hub is closing');
    const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, data.campaignId));
    if (!campaign || campaign.run !== data.run) return 'stopped';
    // A scheduled campaign whose time came (this job was delayed until then) starts running now.
    if (campaign.status === 'scheduled') {
      await db
        .update(campaigns)
        .set({ status: 'running', updatedAt: sql`now()` })
        .where(and(eq(campaigns.id, campaign.id), eq(campaigns.status, 'scheduled')));
      continue;
    }
    if (campaign.status !== 'running') return 'stopped';
    const waiting = await db.execute(sql`
      select count(*) as n from campaign_recipients r join messages m on m.id = r.message_id
      where r.campaign_id = ${campaign.id} and m.status in ('pending', 'sending')
        and (m.scheduled_for is null or m.scheduled_for <= now())`);
    const room = window - Number(rowsOf<{ n: string }>(waiting)[0]?.n ?? 0);
    if (room <= 0) {
      await sleep(deps.pollMs ?? 250);
      continue;
    }
    const batch = await db
      .select({
        id: campaignRecipients.id,
        contactId: campaignRecipients.contactId,
        displayName: contacts.displayName,
        attributes: contacts.attributes,
      })
      .from(campaignRecipients)
      .innerJoin(contacts, eq(contacts.id, campaignRecipients.contactId))
      .where(and(eq(campaignRecipients.campaignId, campaign.id), eq(campaignRecipients.status, 'pending')))
      .orderBy(asc(campaignRecipients.id))
      .limit(room);
    if (batch.length === 0) {
      await completeIfDone(db, campaign.id);
      return 'planned_all';
    }
    for (const recipient of batch) {
      if ((await planRecipient(deps, campaign, recipient)) === 'run_stopped') return 'stopped';
    }
  }
}

/** One job per campaign run; its id makes a second start of the same run add nothing. */
export interface CampaignPlanQueue {
  add(data: CampaignPlanJobData, startAt?: Date | null): Promise<void>;
  close(): Promise<void>;
}

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
      const delay = startAt ? Math.max(0, startAt.getTime() - Date.now()) : 0;
      await queue.add('plan', data, {
        jobId: `${data.campaignId}-${data.run}`,
        delay,
        attempts: 10,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
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
