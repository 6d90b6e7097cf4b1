import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { OrganizationRow } from '../clinic/organization';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import type { HubConfig } from '../platform/config/config';
import type { Database } from '../platform/db/database';
import type { JobQueueOptions } from '../platform/queues/job-queue';
import type { FeatureRuntime } from '../platform/runtime/lifecycle';
import { startPeriodic } from '../platform/runtime/periodic-task';
import { triageFromHint } from './channel-triage-hint';
import { type LlmClassifierFactory, startTriagePool, type TriagePool } from './index';
import type { TriageJobDeps } from './triage-job';
import { sweepUntriaged } from './triage-sweeper';
import { closeTriageWorker, initTriageQueue, initTriageWorker, type TriageQueue } from './triage-worker';

export interface TriageFeature extends FeatureRuntime {
  /** Triage on worker threads (src/triage/triage-thread-pool.ts). */
  pool: TriagePool;
  /** Where stored patient messages wait for triage. */
  queue: TriageQueue;
}

/** The triage job's view of the hub: classify on the pool, reply through the send pipeline. */
export function triageJobDeps(context: {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
  org: OrganizationRow;
  outbound: OutboundServiceDeps;
  pool: TriagePool;
  /** A reply this many days after a campaign's message carries its id (0: none). */
  campaignReplyWindowDays?: number;
}): TriageJobDeps {
  const { channels, org, pool } = context;
  return {
    db: context.db,
    classify: (text, triageContext) => pool.classify(text, triageContext),
    outbound: context.outbound,
    // Read through to `org`: a settings change (crisis line) applies to the next reply.
    clinic: {
      get name() {
        return org.name;
      },
      get crisisLine() {
        return org.crisisLine;
      },
      get acknowledgement() {
        return org.acknowledgement;
      },
    },
    logger: context.logger,
    campaignReplyWindowDays: context.campaignReplyWindowDays,
    replyChannelOf: (channel) => channels.replyChannelFor(channel),
    // A channel that already knows the answer (a key pressed in a phone menu) is not classified.
    presetTriage: (message, triageContext) => {
      const hint = channels.get(message.channel)?.triageHint?.(message.channelMeta);
      return hint ? triageFromHint(hint, pool.intents, pool.version, triageContext) : null;
    },
  };
}

/**
 * Triage and what runs it: the thread pool, the triage queue, and (when this process runs workers)
 * the triage worker and the sweeper that re-enqueues messages whose job was lost.
 */
export async function startTriage(context: {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
  config: HubConfig;
  org: OrganizationRow;
  outbound: OutboundServiceDeps;
  llm?: LlmClassifierFactory;
  queueOptions: JobQueueOptions;
  runWorkers: boolean;
}): Promise<TriageFeature> {
  const { db, logger, config, runWorkers } = context;
  // Triage reads patient text on worker threads: a long or hostile message costs a thread, never
  // the event loop that answers webhooks and sockets.
  const pool = await startTriagePool({ llm: context.llm, threads: config.TRIAGE_THREADS });
  logger.info(
    { intents: pool.intents.length, llm: Boolean(context.llm), threads: config.TRIAGE_THREADS },
    'triage ready',
  );
  const queueOptions = { ...context.queueOptions, concurrency: 4 };
  const queue = initTriageQueue(queueOptions);
  const closePool = { stop: () => pool.close() };
  if (!runWorkers) return { pool, queue, periodic: [], workers: [closePool], queues: [queue] };

  const worker = initTriageWorker(
    triageJobDeps({ ...context, pool, campaignReplyWindowDays: context.config.CAMPAIGN_REPLY_WINDOW_DAYS }),
    queueOptions,
  );
  return {
    pool,
    queue,
    periodic: [
      startPeriodic(logger, 'triage sweep', config.OUTBOX_SWEEP_SECONDS, () =>
        sweepUntriaged(db, queue, config.OUTBOX_SWEEP_SECONDS),
      ),
    ],
    // The worker first: its jobs in flight still classify on the pool.
    workers: [{ stop: () => closeTriageWorker(worker) }, closePool],
    queues: [queue],
  };
}
