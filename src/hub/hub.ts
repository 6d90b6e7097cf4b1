import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, Router } from 'express';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import { startCampaigns } from '../campaigns';
import type { ChannelFactory } from '../channel-port';
import type { HubConfig } from '../config/config';
import { attachmentRouter } from '../conversations/attachment-routes';
import { createContactVerification, VERIFICATION_CODE_TEMPLATE } from '../conversations/contact-verification';
import type { MessageRow } from '../conversations/conversation-store';
import { announceHubEventsAfterCommit } from '../conversations/hub-events';
import { possibleDuplicateRouter } from '../conversations/possible-duplicate-routes';
import { type DatabaseHandle, openDatabase } from '../db/database';
import { createApp } from '../http/app';
import { clientAddressResolver, compileTrust } from '../http/client-address';
import { healthRouter } from '../http/health-routes';
import { idempotentWrites, purgeExpiredIdempotencyKeys } from '../http/idempotent-writes';
import { createLogger } from '../http/logger';
import { noStore } from '../http/no-store';
import { webPagesRouter } from '../http/web-pages';
import { appointmentRouter } from '../inbox/appointment-routes';
import { cannedResponseRouter } from '../inbox/canned-response-routes';
import { contactRouter } from '../inbox/contact-routes';
import { conversationRouter } from '../inbox/conversation-routes';
import { labelRouter } from '../inbox/label-routes';
import { messageRetryRouter } from '../inbox/message-retry-routes';
import { outboundRouter } from '../inbox/outbound-routes';
import { queueRouter } from '../inbox/queue-routes';
import { conversationRoom } from '../inbox/realtime/inbox-rooms';
import { createInboxSocketServer, type InboxSocketServer } from '../inbox/realtime/inbox-socket-server';
import { sandboxRouter } from '../inbox/sandbox-routes';
import { settingsRouter } from '../inbox/settings-routes';
import { statsRouter } from '../inbox/stats-routes';
import { templateRouter } from '../inbox/template-routes';
import { triageRouter } from '../inbox/triage-routes';
import { workflowRouter } from '../inbox/workflow-routes';
import { ChannelRegistry } from '../outbound/channel-registry';
import { textBackMissedCall } from '../outbound/missed-call-text-back';
import { type OutboundServiceDeps, planOutbound } from '../outbound/outbound-service';
import { enqueueAfterCommit } from '../outbound/outbox-enqueue';
import { sweepOutbox } from '../outbound/outbox-sweeper';
import { answerRefusedAttachments } from '../outbound/refused-attachment-reply';
import { remindUnreadSecureMessages } from '../outbound/secure-link-reminders';
import { closeSendWorker, initSendQueue, initSendWorker, type SendQueue } from '../outbound/send-worker';
import { producerConnection, waitUntilReady } from '../queues/redis-connections';
import { checkEvictionPolicy } from '../queues/redis-eviction-policy';
import { triageFromHint } from '../routing/channel-triage-hint';
import { sweepUntriaged } from '../routing/triage-sweeper';
import {
  closeTriageWorker,
  initTriageQueue,
  initTriageWorker,
  type TriageQueue,
} from '../routing/triage-worker';
import { secureLinkRouter } from '../securelinks/secure-link-routes';
import { authRouter, requireStaff } from '../staff/auth-routes';
import { type AdminBootstrap, bootstrapAdmin } from '../staff/bootstrap-admin';
import { ensureDefaultQueues } from '../staff/queue-directory';
import { staffRouter } from '../staff/staff-routes';
import { loadTemplateCatalog, type TemplateChannel } from '../templates';
import { type LlmClassifierFactory, startTriagePool, type TriagePool } from '../triage';
import { channelStateStore } from './channel-state-store';
import { ClinicSettings } from './clinic-settings';
import { createSecretStore, encryptStoredSecrets } from './hub-settings';
import { createInboundService } from './inbound-service';
import { ensureOrganization, type OrganizationRow } from './organization';
import { createPatientSessionSink } from './patient-session-sink';
import { startPeriodic } from './periodic-task';
import { loadSettingsKey, settingsCipher } from './settings-encryption';
import { createStaffTypingRelay } from './staff-typing-relay';

export interface HubOptions {
  logger?: Logger;
  channelFactories: ChannelFactory[];
  /** BullMQ key prefix; tests give each suite its own. */
  queuePrefix?: string;
  /** Start the send and triage workers in this process (default true). */
  runWorkers?: boolean;
  /** The optional LLM layer of triage (providers/openai when OPENAI_API_KEY is set). */
  llm?: LlmClassifierFactory;
}

export interface Hub {
  config: HubConfig;
  logger: Logger;
  server: http.Server;
  /** The express app `server` answers with: its router stack lists every route (route-level tests). */
  app: Express;
  /** http://host:port the server listens on. */
  url: string;
  database: DatabaseHandle;
  org: OrganizationRow;
  admin: AdminBootstrap;
  channels: ChannelRegistry;
  sendQueue: SendQueue;
  triageQueue: TriageQueue;
  /** Triage on worker threads (src/triage/triage-thread-pool.ts). */
  triage: TriagePool;
  /** In-process announcements of stored hub events (e.g. `triage.escalated`), after their commit. */
  events: EventEmitter;
  /** socket.io on `server` (namespace `/inbox`), with the Redis Streams adapter. */
  io: SocketServer;
  /** The send pipeline (policy, templates, secure links, outbox), for jobs and tests. */
  outbound: OutboundServiceDeps;
  close(): Promise<void>;
}

/** Opens storage, starts channels, queues and the HTTP server. */
export async function startHub(config: HubConfig, options: HubOptions): Promise<Hub> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  const { db } = database;
  // Hub events stored in a transaction are announced here once it commits.
  const events = new EventEmitter();
  announceHubEventsAfterCommit(db, events);
  logger.info({ engine: database.engine }, 'conversation store ready');
  // The hub's and providers' secrets are kept encrypted; a key that cannot open them stops the start here.
  const cipher = settingsCipher(loadSettingsKey(config, logger));
  const encryptedNow = await encryptStoredSecrets(db, cipher).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  if (encryptedNow > 0) logger.info({ count: encryptedNow }, 'secrets stored in clear are now encrypted');
  const secrets = createSecretStore(db, cipher);
  const org = await ensureOrganization(db, {
    name: config.CLINIC_NAME,
    timeZone: config.CLINIC_TIME_ZONE,
    helpText: config.CLINIC_HELP_TEXT,
    crisisLine: config.CLINIC_CRISIS_LINE,
  });
  await ensureDefaultQueues(db, org.id);
  const admin = await bootstrapAdmin(db, org.id, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD,
  });

  // One trust function for express's req.ip and for socket handshakes: the same visitor is the
  // same address to every rate limit, lockout and audit entry.
  const trustProxy = compileTrust(config.TRUST_PROXY);
  const clientAddress = clientAddressResolver(trustProxy);
  const channels = new ChannelRegistry(
    await Promise.all(
      options.channelFactories.map((factory) =>
        factory({
          config,
          logger: logger.child({ channel: 'setup' }),
          ensureSecret: (name) => secrets.ensure(name),
          stateFor: (channel) => channelStateStore(db, channel),
          clientAddress,
        }),
      ),
    ),
  );

  const queueOptions = {
    redisUrl: config.REDIS_URL,
    prefix: options.queuePrefix ?? config.QUEUE_PREFIX,
    concurrency: config.SEND_CONCURRENCY,
  };
  const sendQueue = initSendQueue(queueOptions);
  const worker =
    options.runWorkers === false
      ? null
      : initSendWorker({ db, channels, logger, leaseSeconds: config.OUTBOX_LEASE_SECONDS }, queueOptions);
  const sweeper =
    options.runWorkers === false
      ? null
      : startPeriodic(logger, 'outbox sweep', config.OUTBOX_SWEEP_SECONDS, () =>
          sweepOutbox(db, sendQueue, config.OUTBOX_SWEEP_SECONDS),
        );
  const redisProbe = producerConnection(config.REDIS_URL);
  redisProbe.on('error', () => undefined);
  if (await waitUntilReady(redisProbe, 2000)) {
    const { policy, warning } = await checkEvictionPolicy(redisProbe);
    if (warning) logger.warn({ policy }, warning);
  }

  const verifiedSessionLifetime = {
    idleMinutes: config.WEBCHAT_VERIFIED_IDLE_MINUTES,
    maxHours: config.WEBCHAT_VERIFIED_MAX_HOURS,
  };
  const templates = loadTemplateCatalog();
  logger.info({ templates: templates.list().length }, 'templates loaded');
  const outbound: OutboundServiceDeps = {
    db,
    channels,
    sendQueue,
    logger,
    templates,
    // Read through to `org`, which a settings change updates in place (src/hub/clinic-settings.ts).
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
    verifiedSessionLifetime,
    channelOverrides: config.CHANNEL_MAX_SENSITIVITY,
  };
  const enqueueSends = (rows: MessageRow[]) => enqueueAfterCommit(outbound, rows);
  // The socket server, once it exists (below): live events, typing, and notices between processes.
  let sockets: InboxSocketServer | undefined;
  // Admins change the time zone and HELP reply at run time; other hub processes are told by a
  // notice through the socket.io adapter and re-read them.
  const SETTINGS_CHANGED = 'clinic-settings.changed';
  const clinicSettings = new ClinicSettings(db, org, () => sockets?.io.serverSideEmit(SETTINGS_CHANGED));

  // Triage reads patient text on worker threads: a long or hostile message costs a thread, never
  // the event loop that answers webhooks and sockets.
  const triage = await startTriagePool({ llm: options.llm, threads: config.TRIAGE_THREADS });
  logger.info(
    { intents: triage.intents.length, llm: Boolean(options.llm), threads: config.TRIAGE_THREADS },
    'triage ready',
  );
  const triageQueue = initTriageQueue({ ...queueOptions, concurrency: 4 });
  const triageWorker =
    options.runWorkers === false
      ? null
      : initTriageWorker(
          {
            db,
            classify: (text, context) => triage.classify(text, context),
            enqueueSends,
            identityKindOf: (channel) => channels.get(channel)?.identityKind,
            describeOutbound: (channel, body) => channels.get(channel)?.describeOutbound?.(body) ?? {},
            render: (templateId, channel, language, variables) => {
              const request = { locale: language, fallbackLocale: 'en', variables, timeZone: org.timeZone };
              // A channel the template has no body for (a new adapter) gets the plain SMS wording.
              const claimed = templates.get(templateId)?.channels.includes(channel as TemplateChannel);
              return templates.render(templateId, {
                ...request,
                channel: (claimed ? channel : 'sms') as TemplateChannel,
              }).text;
            },
            // Read through to `org`: a settings change (crisis line) applies to the next reply.
            clinic: {
              get name() {
                return org.name;
              },
              get crisisLine() {
                return org.crisisLine;
              },
            },
            logger,
            replyChannelOf: (channel) => channels.replyChannelFor(channel),
            presetTriage: (message, context) => {
              const hint = channels.get(message.channel)?.triageHint?.(message.channelMeta);
              return hint ? triageFromHint(hint, triage.intents, triage.version, context) : null;
            },
          },
          { ...queueOptions, concurrency: 4 },
        );
  const triageSweeper =
    options.runWorkers === false
      ? null
      : startPeriodic(logger, 'triage sweep', config.OUTBOX_SWEEP_SECONDS, () =>
          sweepUntriaged(db, triageQueue, config.OUTBOX_SWEEP_SECONDS),
        );

  const idempotencyPurge = startPeriodic(logger, 'idempotency key purge', 3600, async () => {
    const purged = await purgeExpiredIdempotencyKeys(db);
    if (purged > 0) logger.info({ purged }, 'expired idempotency keys purged');
    return 0;
  });
  const secureLinkReminders =
    options.runWorkers === false
      ? null
      : startPeriodic(logger, 'secure message reminders', 15 * 60, () =>
          remindUnreadSecureMessages(outbound, logger),
        );

  const inbound = createInboundService({
    db,
    org,
    channels,
    sendQueue,
    logger,
    // Triage runs after the webhook is answered; a lost job is found again by the triage sweeper.
    onStored: (receipt, _message, meta) =>
      triageQueue.add([{ messageId: receipt.messageId, requestId: meta.requestId }]),
    onMissedCall: (report, meta) => textBackMissedCall(outbound, org, report, meta),
    onRefusedAttachments: (message, receipt, meta) =>
      answerRefusedAttachments(outbound, org, message, receipt, meta),
  });

  // Live patient sessions (web chat): history, delivery receipts and verification by one-time code.
  const sessionSink = {
    ...inbound,
    sessions: createPatientSessionSink({
      db,
      orgId: org.id,
      verification: createContactVerification({
        db,
        orgId: org.id,
        secret: await secrets.ensure('identity-verification-codes'),
        lifetime: verifiedSessionLifetime,
        defaultRegion: config.DEFAULT_REGION,
        logger,
        // Through the normal pipeline (policy, template, outbox). Urgent: a code is not deferred.
        sendCode: async ({ contactId, channel, code, requestId }) => {
          await planOutbound(
            outbound,
            {
              orgId: org.id,
              contactId,
              initiator: 'automated',
              urgent: true,
              requestedChannel: channel,
              content: { template: VERIFICATION_CODE_TEMPLATE, variables: { clinicName: org.name, code } },
              requestId,
            },
            { dryRun: false },
          );
        },
      }),
      notifyStaffTyping: (conversationId) =>
        sockets?.io
          .of('/inbox')
          .to(conversationRoom(conversationId))
          .emit('typing', { conversationId, patient: true }),
    }),
  };

  // Channel listeners other than HTTP (the email adapter's SMTP server); stopped by adapter.close().
  for (const adapter of channels.all()) await adapter.start?.(inbound);

  const api = Router();
  api.use(noStore);
  api.use(express.json({ limit: '256kb' }));
  const csrfSecret = await secrets.ensure('staff-csrf');
  api.use(
    '/auth',
    authRouter({
      db,
      sessionHours: config.STAFF_SESSION_HOURS,
      csrfSecret,
      secureCookie: config.publicUrl.startsWith('https:'),
      // A logged-out session's live sockets stop receiving events, in every hub process.
      sessionEnded: (token) => sockets?.inbox.disconnectSession(token),
    }),
  );
  api.use(requireStaff(db, csrfSecret));
  // Writes that send or create, safe to retry with an Idempotency-Key (one middleware, one list).
  api.post(
    [
      '/conversations/:id/messages',
      '/conversations/:id/notes',
      '/outbound',
      '/contacts',
      '/appointments',
      '/appointments/:id/reminders',
      '/messages/:id/retry',
      '/labels',
      '/canned-responses',
    ],
    idempotentWrites(db, logger),
  );
  api.use(conversationRouter(db, outbound));
  api.use(workflowRouter(db));
  api.use(labelRouter(db));
  api.use(cannedResponseRouter(db));
  api.use(queueRouter(db));
  // Live sockets keep the rooms they joined with: a change of access closes them.
  api.use(staffRouter(db, { accessChanged: (staffId) => sockets?.inbox.disconnectStaff(staffId) }));
  api.use(templateRouter(templates));
  api.use(settingsRouter(db, clinicSettings));
  api.use(statsRouter(db, org));
  api.use(triageRouter(db, triage));
  api.use(contactRouter(db, config.DEFAULT_REGION));
  api.use(possibleDuplicateRouter(db));
  api.use(attachmentRouter(db));
  api.use(outboundRouter(db, outbound, config.DEFAULT_REGION));
  api.use(messageRetryRouter(db, outbound));
  api.use(appointmentRouter(db, outbound, org));
  const campaigns = startCampaigns({
    config,
    outbound,
    queueOptions,
    runWorkers: options.runWorkers !== false,
  });
  api.use(campaigns.router);
  let url = '';
  api.use(sandboxRouter(channels, () => url, { db, defaultRegion: config.DEFAULT_REGION }));

  const app = createApp({
    logger,
    trustProxy,
    routers: [
      healthRouter([
        {
          name: 'postgres',
          check: async () => {
            await database.ping();
            return undefined;
          },
        },
        {
          name: 'redis',
          check: async () => {
            // The probe does not queue commands while disconnected: give it a moment to (re)connect.
            if (!(await waitUntilReady(redisProbe, 900))) throw new Error('redis not connected');
            await redisProbe.ping();
            return { warning: (await checkEvictionPolicy(redisProbe)).warning };
          },
        },
      ]),
      ...channels.all().flatMap((adapter) => (adapter.createRouter ? [adapter.createRouter(inbound)] : [])),
      // Secure links: /s/:token pages, PHI read after a date-of-birth check; replies go to triage.
      secureLinkRouter({
        db,
        publicUrl: config.publicUrl,
        clinic: { name: org.name },
        logger,
        cookieSecret: await secrets.ensure('securelink-cookie'),
        onReply: (messageId, { requestId }) => triageQueue.add([{ messageId, requestId }]),
        // "Chat with the clinic" from a confirmed link: a verified web chat session (chat-handoff.ts).
        chatPage: channels.all().find((adapter) => adapter.identityKind === 'webchat')?.patientPage,
      }),
      Router().use('/api/v1', api),
      // The staff pages (/inbox, /sandbox) built from web/ by vite.
      webPagesRouter(),
    ],
  });

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const inboxSockets = createInboxSocketServer(server, {
    db,
    events,
    logger,
    replayLookBackSeconds: config.INBOX_REPLAY_LOOKBACK_SECONDS,
    // Staff typing reaches a patient in a live session (web chat) as a typing indicator.
    onStaffTyping: createStaffTypingRelay({ db, channels, logger }),
    redisUrl: config.REDIS_URL,
    keyPrefix: queueOptions.prefix,
    publicOrigin: new URL(config.publicUrl).origin,
  });
  sockets = inboxSockets;
  // A settings change in another hub process: re-read it here (and once a minute, should a notice be lost).
  inboxSockets.io.on(SETTINGS_CHANGED, () => {
    clinicSettings.reload().catch((err) => logger.warn({ err }, 'clinic settings reload failed'));
  });
  const settingsRefresh = startPeriodic(logger, 'clinic settings refresh', 60, async () => {
    await clinicSettings.reload();
    return 0;
  });
  for (const adapter of channels.all()) adapter.attachRealtime?.(inboxSockets.io, sessionSink);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  logger.info(
    {
      port: address.port,
      sandbox: channels
        .all()
        .filter((c) => c.sandbox)
        .map((c) => c.channel),
    },
    'hub listening',
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      // Stop taking requests first; in-flight requests finish before the server's close event.
      // socket.io disconnects the staff sockets and then closes the http server itself.
      const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
      await inboxSockets.close();
      server.closeIdleConnections();
      await serverClosed;
      await settingsRefresh.stop();
      await idempotencyPurge.stop();
      await sweeper?.stop();
      await triageSweeper?.stop();
      await secureLinkReminders?.stop();
      await campaigns.close();
      if (triageWorker) await closeTriageWorker(triageWorker);
      await triage.close();
      if (worker) await closeSendWorker(worker);
      await triageQueue.close();
      await sendQueue.close();
      redisProbe.disconnect();
      for (const adapter of channels.all()) await adapter.close?.();
      await database.close();
      logger.info('hub stopped');
    })();
    return closing;
  };

  return {
    config,
    logger,
    server,
    app,
    url,
    database,
    org,
    admin,
    channels,
    sendQueue,
    triageQueue,
    triage,
    events,
    io: inboxSockets.io,
    outbound,
    close,
  };
}
