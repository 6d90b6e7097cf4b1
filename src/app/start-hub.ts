import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Express, Router } from 'express';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import { startCampaigns } from '../campaigns';
import type { ChannelFactory } from '../channel-port';
import { ChannelRegistry } from '../channel-port/channel-registry';
import { channelStateStore } from '../channel-port/channel-state-store';
import { chatAppearanceRouter, logoOrigin } from '../clinic/chat-appearance';
import { startClinicSettings } from '../clinic/clinic-settings';
import { ensureOrganization, type OrganizationRow } from '../clinic/organization';
import { announceHubEventsAfterCommit } from '../conversations/hub-events';
import { conversationRoom } from '../inbox/realtime/inbox-rooms';
import { createInboxSocketServer, type InboxSocketServer } from '../inbox/realtime/inbox-socket-server';
import { createStaffTypingRelay } from '../inbox/realtime/staff-typing-relay';
import { startIntake } from '../intake/intake-feature';
import { startOutbound } from '../outbound/outbound-feature';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import type { SendQueue } from '../outbound/send-worker';
import type { HubConfig } from '../platform/config/config';
import { type DatabaseHandle, openDatabase } from '../platform/db/database';
import { createApp } from '../platform/http/app';
import { clientAddressResolver, compileTrust } from '../platform/http/client-address';
import { healthRouter } from '../platform/http/health-routes';
import { purgeExpiredIdempotencyKeys } from '../platform/http/idempotent-writes';
import { createLogger } from '../platform/http/logger';
import { webPagesRouter } from '../platform/http/web-pages';
import { producerConnection, waitUntilReady } from '../platform/queues/redis-connections';
import { checkEvictionPolicy } from '../platform/queues/redis-eviction-policy';
import type { FeatureRuntime } from '../platform/runtime/lifecycle';
import { startPeriodic } from '../platform/runtime/periodic-task';
import { createSecretStore, encryptStoredSecrets } from '../platform/secrets/secret-store';
import { loadSettingsKey, settingsCipher } from '../platform/secrets/settings-encryption';
import { secureLinkRouter } from '../securelinks/secure-link-routes';
import { type AdminBootstrap, bootstrapAdmin } from '../staff/bootstrap-admin';
import { ensureDefaultQueues } from '../staff/queue-directory';
import { loadTemplateCatalog } from '../templates';
import type { LlmClassifierFactory, TriagePool } from '../triage';
import { startTriage } from '../triage/triage-feature';
import type { TriageQueue } from '../triage/triage-worker';
import { stopFeatures } from './shutdown';
import { staffApi } from './staff-api';

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

/**
 * The composition root: opens storage, starts each feature, mounts their routes and listens. It
 * holds lists and wiring only; every rule lives in the feature that owns it.
 */
export async function startHub(config: HubConfig, options: HubOptions): Promise<Hub> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const runWorkers = options.runWorkers !== false;
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
          // `org` is the live settings object: an admin's change shows at the next page load.
          clinicLogoOrigin: () => logoOrigin(org),
        }),
      ),
    ),
  );
  const redisProbe = producerConnection(config.REDIS_URL);
  redisProbe.on('error', () => undefined);
  if (await waitUntilReady(redisProbe, 2000)) {
    const { policy, warning } = await checkEvictionPolicy(redisProbe);
    if (warning) logger.warn({ policy }, warning);
  }
  const templates = loadTemplateCatalog();
  logger.info({ templates: templates.list().length }, 'templates loaded');

  // The features, each with what it runs and how it stops.
  const queueOptions = {
    redisUrl: config.REDIS_URL,
    prefix: options.queuePrefix ?? config.QUEUE_PREFIX,
    concurrency: config.SEND_CONCURRENCY,
  };
  const featureContext = { db, channels, logger, config, org, queueOptions, runWorkers };
  const sending = startOutbound({ ...featureContext, templates });
  const outbound = sending.deps;
  const triage = await startTriage({ ...featureContext, outbound, llm: options.llm });
  const clinic = startClinicSettings(db, org, logger);
  const housekeeping = {
    periodic: [
      startPeriodic(logger, 'idempotency key purge', 3600, async () => {
        const purged = await purgeExpiredIdempotencyKeys(db);
        if (purged > 0) logger.info({ purged }, 'expired idempotency keys purged');
        return 0;
      }),
    ],
    workers: [],
    queues: [],
  } satisfies FeatureRuntime;
  const campaigns = startCampaigns({ config, outbound, queueOptions, runWorkers, events });
  // Stopped in this order, phase by phase (app/shutdown.ts): triage and campaigns enqueue sends, so
  // they stop before the send workers.
  const features: FeatureRuntime[] = [clinic, housekeeping, triage, campaigns, sending];

  // The socket server exists once the http server does (below); routes reach it through this.
  let sockets: InboxSocketServer | undefined;
  const { inbound, live } = await startIntake({
    ...featureContext,
    outbound,
    triageQueue: triage.queue,
    secrets,
    notifyStaffTyping: (conversationId) =>
      sockets?.io
        .of('/inbox')
        .to(conversationRoom(conversationId))
        .emit('typing', { conversationId, patient: true }),
  });
  // Channel listeners other than HTTP (the email adapter's SMTP server); stopped by adapter.close().
  for (const adapter of channels.all()) await adapter.start?.(inbound);

  let url = '';
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
      // What the web chat page shows about the clinic (name, logo, colour, greeting, reply time).
      chatAppearanceRouter(db, clinic.settings),
      ...channels.all().flatMap((adapter) => (adapter.createRouter ? [adapter.createRouter(inbound)] : [])),
      // Secure links: /s/:token pages, PHI read after a date-of-birth check; replies go to triage.
      secureLinkRouter({
        db,
        publicUrl: config.publicUrl,
        clinic: { name: org.name },
        logger,
        cookieSecret: await secrets.ensure('securelink-cookie'),
        onReply: (messageId, { requestId }) => triage.queue.add([{ messageId, requestId }]),
        // "Chat with the clinic" from a confirmed link: a verified web chat session (chat-handoff.ts).
        chatPage: channels.secureLinkHandoffPage(),
        // A campaign's "secure link opened" figure moves live.
        onOpened: (link) => campaigns.outcome({ messageIds: link.messageIds }),
      }),
      Router().use(
        '/api/v1',
        staffApi({
          db,
          config,
          logger,
          org,
          channels,
          outbound,
          templates,
          triage: triage.pool,
          clinicSettings: clinic.settings,
          campaigns: campaigns.router,
          appointmentBooked: (contactId) => campaigns.outcome({ contactId }),
          csrfSecret: await secrets.ensure('staff-csrf'),
          sockets: {
            disconnectSession: (token) => sockets?.inbox.disconnectSession(token),
            disconnectStaff: (staffId) => sockets?.inbox.disconnectStaff(staffId),
          },
          hubUrl: () => url,
        }),
      ),
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
  clinic.listen(inboxSockets.io);
  campaigns.attachRealtime(inboxSockets.io);
  for (const adapter of channels.all()) adapter.attachRealtime?.(inboxSockets.io, live);
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
      await stopFeatures(features);
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
    sendQueue: sending.sendQueue,
    triageQueue: triage.queue,
    triage: triage.pool,
    events,
    io: inboxSockets.io,
    outbound,
    close,
  };
}
