import type { EventEmitter } from 'node:events';
import { Router } from 'express';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import { sweepOutbox } from '../outbound/outbox-sweeper';
import type { HubConfig } from '../platform/config/config';
import type { JobQueueOptions } from '../platform/queues/job-queue';
import { workerConnection } from '../platform/queues/redis-connections';
import type { FeatureRuntime, Stoppable } from '../platform/runtime/lifecycle';
import { startPeriodic } from '../platform/runtime/periodic-task';
import { audienceRouter } from './audience-routes';
import { type CampaignPlanJobData, initCampaignPlanQueue, initCampaignPlanWorker } from './campaign-planner';
import { type CampaignProgress, socketSink, startCampaignProgress } from './campaign-progress';
import { campaignRouter } from './campaign-routes';
import { initCampaignSendQueue, initCampaignSendWorker } from './campaign-send-worker';
import { campaignsToResume, runsWithWorkLeft } from './campaign-store';
import { contactImportRouter } from './contact-import-routes';
import { SenderThrottle } from './sender-throttle';

export interface CampaignFeature extends FeatureRuntime {
  /** Mounted under /api/v1 after staff authentication. */
  router: Router;
  /** Live figures go to the `/inbox` socket's campaign rooms from now on. */
  attachRealtime(io: Parameters<typeof socketSink>[0]): void;
  /** A secure link opened or an appointment booked: the figures of the campaigns it counts for move. */
  outcome: CampaignProgress['outcome'];
}

/**
 * The campaigns feature as the hub mounts it: contact imports and campaign routes, the campaign
 * send and plan queues and (unless `runWorkers` is false) their workers, a sweeper for campaign
 * outbox rows, and the runs a previous process left unfinished.
 */
export function startCampaigns(options: {
  config: HubConfig;
  outbound: OutboundServiceDeps;
  queueOptions: JobQueueOptions;
  runWorkers: boolean;
  /** The hub's announcements of committed events: message events move campaign figures. */
  events: EventEmitter;
}): CampaignFeature {
  const { config, queueOptions } = options;
  const sendQueue = initCampaignSendQueue(queueOptions);
  const planQueue = initCampaignPlanQueue(queueOptions);
  // Campaign messages go through the same pipeline, onto their own queue.
  const outbound: OutboundServiceDeps = { ...options.outbound, sendQueue };
  const { db, logger } = outbound;
  const closing = new AbortController();
  const attributionDays = config.CAMPAIGN_REPLY_WINDOW_DAYS;
  const progress = startCampaignProgress({ db, events: options.events, logger, attributionDays });
  const running = new Set<Promise<unknown>>();

  const throttleRedis = workerConnection(config.REDIS_URL);
  throttleRedis.on('error', (err) => logger.warn({ err }, 'campaign throttle redis error'));
  const throttle = new SenderThrottle(throttleRedis, queueOptions.prefix, config.CAMPAIGN_SEND_RATE);
  const frequencyCap = {
    messages: config.CAMPAIGN_FREQUENCY_CAP,
    days: config.CAMPAIGN_FREQUENCY_CAP_DAYS,
  };
  const plannerDeps = {
    outbound,
    sendRate: config.CAMPAIGN_SEND_RATE,
    signal: closing.signal,
    frequencyCap,
    progress,
    // A run whose recipients wait for their morning leaves a delayed job for then (WAKE_AFTER_MS).
    later: (data: CampaignPlanJobData) => planQueue.add(data),
  };
  const workers = options.runWorkers
    ? {
        send: initCampaignSendWorker(
          {
            db,
            channels: outbound.channels,
            logger,
            leaseSeconds: config.OUTBOX_LEASE_SECONDS,
            throttle,
            senderOf: (channel) => outbound.channels.get(channel)?.sender ?? `channel:${channel}`,
            progress,
          },
          queueOptions,
        ),
        plan: initCampaignPlanWorker(plannerDeps, queueOptions),
        sweeper: startPeriodic(logger, 'campaign outbox sweep', config.OUTBOX_SWEEP_SECONDS, () =>
          sweepOutbox(db, sendQueue, config.OUTBOX_SWEEP_SECONDS, 'campaigns'),
        ),
        // A running campaign with work left whose run has no live job (lost, or failed for good):
        // the run is taken up again.
        releases: startPeriodic(logger, 'campaign release sweep', config.OUTBOX_SWEEP_SECONDS, async () => {
          let added = 0;
          for (const run of await runsWithWorkLeft(db)) if (await planQueue.ensure(run)) added += 1;
          return added;
        }),
      }
    : null;
  if (workers) {
    // Runs whose plan job Redis lost (or never got) carry on; a job still there is not added twice,
    // nor one beside the job a run carries on in for a morning (ensure).
    const resumed = campaignsToResume(db)
      .then((rows) =>
        Promise.all(
          rows.map((row) =>
            planQueue.ensure(
              { campaignId: row.id, run: row.run },
              row.status === 'scheduled' ? row.scheduleAt : null,
            ),
          ),
        ),
      )
      .catch((err: unknown) =>
        logger.warn({ err }, 'resuming campaign runs failed; retried at the next start'),
      );
    running.add(resumed);
  }

  const router = Router();
  router.use(
    contactImportRouter({
      db,
      logger,
      defaultRegion: config.DEFAULT_REGION,
      maxBytes: config.CONTACT_IMPORT_MAX_BYTES,
      running,
    }),
  );
  router.use(audienceRouter(db, outbound.channels));
  router.use(
    campaignRouter({
      outbound,
      planQueue,
      frequencyCap,
      progress,
      testOutbound: options.outbound,
      defaultRegion: config.DEFAULT_REGION,
      attributionDays,
      clinicSendRate: config.CAMPAIGN_SEND_RATE,
    }),
  );

  // What the app stops, phase by phase (src/app/shutdown.ts): the sweeper with the other periodic
  // tasks; then the runs in flight (a plan loop sees the abort and returns, an import finishes) before
  // the plan worker, whose jobs enqueue sends, and the send worker; then the queues and the
  // throttle's connection, which the send worker uses until it has stopped.
  const inFlight: Stoppable = {
    async stop() {
      closing.abort();
      progress.close();
      await Promise.allSettled([...running]);
    },
  };
  return {
    router,
    attachRealtime(io) {
      progress.attach(socketSink(io));
    },
    outcome: (moved) => progress.outcome(moved),
    periodic: workers ? [workers.sweeper, workers.releases] : [],
    workers: [
      inFlight,
      ...(workers ? [workers.plan, workers.send].map((w) => ({ stop: () => w.close() })) : []),
    ],
    queues: [
      planQueue,
      sendQueue,
      {
        async close() {
          throttleRedis.disconnect();
        },
      },
    ],
  };
}
