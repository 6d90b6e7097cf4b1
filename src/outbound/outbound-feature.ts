import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { OrganizationRow } from '../clinic/organization';
import type { HubConfig } from '../platform/config/config';
import type { Database } from '../platform/db/database';
import type { JobQueueOptions } from '../platform/queues/job-queue';
import type { FeatureRuntime } from '../platform/runtime/lifecycle';
import { startPeriodic } from '../platform/runtime/periodic-task';
import type { TemplateCatalog } from '../templates';
import type { OutboundServiceDeps } from './outbound-service';
import { sweepOutbox } from './outbox-sweeper';
import { remindUnreadSecureMessages } from './secure-link-reminders';
import { closeSendWorker, initSendQueue, initSendWorker, type SendQueue } from './send-worker';

export interface OutboundFeature extends FeatureRuntime {
  /** The send pipeline (policy, templates, secure links, outbox) every sender uses. */
  deps: OutboundServiceDeps;
  sendQueue: SendQueue;
}

/**
 * The send pipeline and what runs it: the send queue, and (when this process runs workers) the send
 * worker, the outbox sweeper and the unread secure-message reminders.
 */
export function startOutbound(context: {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
  config: HubConfig;
  org: OrganizationRow;
  templates: TemplateCatalog;
  queueOptions: JobQueueOptions;
  runWorkers: boolean;
}): OutboundFeature {
  const { db, channels, logger, config, org, queueOptions, runWorkers } = context;
  const sendQueue = initSendQueue(queueOptions);
  const deps: OutboundServiceDeps = {
    db,
    channels,
    sendQueue,
    logger,
    templates: context.templates,
    // Read through to `org`, which a settings change updates in place (src/clinic/clinic-settings.ts).
    clinic: {
      get name() {
        return org.name;
      },
      get timeZone() {
        return org.timeZone;
      },
      defaultLocale: 'en',
    },
    publicUrl: config.publicUrl,
    verifiedSessionLifetime: {
      idleMinutes: config.WEBCHAT_VERIFIED_IDLE_MINUTES,
      maxHours: config.WEBCHAT_VERIFIED_MAX_HOURS,
    },
    channelOverrides: config.CHANNEL_MAX_SENSITIVITY,
  };
  if (!runWorkers) return { deps, sendQueue, periodic: [], workers: [], queues: [sendQueue] };

  const worker = initSendWorker(
    { db, channels, logger, leaseSeconds: config.OUTBOX_LEASE_SECONDS },
    queueOptions,
  );
  return {
    deps,
    sendQueue,
    periodic: [
      startPeriodic(logger, 'outbox sweep', config.OUTBOX_SWEEP_SECONDS, () =>
        sweepOutbox(db, sendQueue, config.OUTBOX_SWEEP_SECONDS),
      ),
      startPeriodic(logger, 'secure message reminders', 15 * 60, () =>
        remindUnreadSecureMessages(deps, logger),
      ),
    ],
    workers: [{ stop: () => closeSendWorker(worker) }],
    queues: [sendQueue],
  };
}
