import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { channelConfigSections, channelFactories } from '../../channels';
import { type Hub, startHub } from '../../src/app/start-hub';
import type { ChannelFactory } from '../../src/channel-port';
import { parseConfig } from '../../src/platform/config/config';
import { createLogger } from '../../src/platform/http/logger';
import { createTestDatabase, type TestDatabase } from './test-database';
import { accountSid, messageSid, randomUsPhone, twilioSignature } from './twilio-signing';
import { TwilioStandIn } from './twilio-stand-in';

export const PUBLIC_URL = 'https://hub.clinic.test';
export const ADMIN = { email: 'admin@clinic.test', password: 'correct-horse-battery' };
export const CLINIC_NUMBER = '+14155550100';

/**
 * A fixed-offset zone where it is now about midday, so automated sends in tests are not deferred
 * by quiet hours whatever time the suite runs (quiet hours have their own table-driven tests).
 */
export function middayTimeZone(now = new Date()): string {
  const offset = 12 - now.getUTCHours();
  const clamped = Math.max(-12, Math.min(14, offset > 14 ? offset - 24 : offset));
  // Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3.
  return clamped === 0 ? 'Etc/GMT' : `Etc/GMT${clamped > 0 ? '-' : '+'}${Math.abs(clamped)}`;
}

export function testRedisUrl(db?: number): string {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (db !== undefined) url.pathname = `/${db}`;
  return url.href;
}

export interface TestHub {
  hub: Hub;
  twilio: TwilioStandIn;
  database: TestDatabase;
  authToken: string;
  queuePrefix: string;
  staffToken(): Promise<string>;
  /** Posts a Twilio-signed inbound SMS webhook. */
  /** Fields set to undefined are left out of the request. */
  postInboundSms(fields: Partial<Record<string, string>> & { From: string; Body?: string }): request.Test;
  /** The staff API as the admin: `api.post('/contacts', body)` and friends, paths under /api/v1. */
  api(): Promise<StaffApi>;
  /** Posts a Twilio-signed status callback. */
  postStatus(fields: Record<string, string>): request.Test;
  /**
   * Posts a Twilio-signed voice webhook to `path` (query included, e.g. `/webhooks/twilio/voice/menu?lang=en`),
   * as Twilio would: AccountSid is added; the signature covers PUBLIC_URL + path + the form fields.
   */
  postVoice(path: string, fields: Record<string, string>): request.Test;
  stop(): Promise<void>;
}

export interface StaffApi {
  get(path: string): request.Test;
  post(path: string, body: object): request.Test;
  patch(path: string, body: object): request.Test;
  delete(path: string): request.Test;
}

export interface TestHubOptions {
  env?: Record<string, string>;
  runWorkers?: boolean;
  redisDb?: number;
  /** An existing database (another hub's): it is then left in place by stop(). */
  database?: TestDatabase;
  /** Redis key prefix; hubs that share it share queues and the socket.io adapter's stream. */
  queuePrefix?: string;
  /** An existing Twilio stand-in (another hub's), with its account: it is then left running by stop(). */
  twilio?: TwilioStandIn;
  /** Where the hub's logs go (the production logger, with its redaction): for tests that read them. */
  logs?: { level: string; destination: DestinationStream };
  /** The channels to run, when a test passes one its own options (e.g. the email channel's DNS resolver). */
  channelFactories?: ChannelFactory[];
}

/** A hub on a real PostgreSQL database of its own and real Redis, with Twilio replaced by a local stand-in. */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const database = options.database ?? (await createTestDatabase());
  const started = await startHubOn(
    {
      env: { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '10' },
      release: options.database ? async () => {} : () => database.drop(),
    },
    options,
  );
  return { ...started, database };
}

/** A test hub on the embedded store (PGlite), as plain `npm start` runs: no DATABASE_URL. */
export interface EmbeddedTestHub extends Omit<TestHub, 'database'> {
  /** The DATA_DIR the hub keeps its PGlite database (and settings key) in; removed by stop(). */
  dataDir: string;
}

/**
 * A hub on embedded PGlite in a temporary DATA_DIR, real Redis, Twilio replaced by a local stand-in:
 * the configuration `npm start` runs with when no DATABASE_URL is set.
 */
export async function startEmbeddedTestHub(
  options: Omit<TestHubOptions, 'database'> = {},
): Promise<EmbeddedTestHub> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-embedded-hub-'));
  const started = await startHubOn(
    {
      env: { DATA_DIR: dataDir },
      release: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    },
    options,
  );
  return { ...started, dataDir };
}

/** The store a test hub runs on: its environment, and what stop() (or a failed start) releases. */
interface HubStore {
  env: Record<string, string>;
  release(): Promise<void>;
}

async function startHubOn(store: HubStore, options: TestHubOptions): Promise<Omit<TestHub, 'database'>> {
  const twilio = options.twilio ?? new TwilioStandIn(accountSid(), randomBytes(16).toString('hex'));
  const { accountSid: sid, authToken } = twilio;
  if (!options.twilio) await twilio.start();
  const queuePrefix = options.queuePrefix ?? `careline-test-${randomBytes(4).toString('hex')}`;
  const config = parseConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL,
      ...store.env,
      REDIS_URL: testRedisUrl(options.redisDb),
      LOG_LEVEL: 'silent',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM_NUMBER: CLINIC_NUMBER,
      TWILIO_API_URL: twilio.url,
      CLINIC_TIME_ZONE: middayTimeZone(),
      ...options.env,
    },
    channelConfigSections,
  );
  const hub = await startHub(config, {
    channelFactories: options.channelFactories ?? channelFactories,
    queuePrefix,
    runWorkers: options.runWorkers,
    logger: options.logs
      ? createLogger(options.logs.level, options.logs.destination)
      : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  }).catch(async (error: unknown) => {
    // A start that is meant to fail (a test of a refused configuration) leaves nothing running.
    if (!options.twilio) await twilio.stop();
    await store.release();
    throw error;
  });
  let token: string | undefined;
  const signedPost = (path: string, params: Record<string, string>) =>
    request(hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', twilioSignature(authToken, `${PUBLIC_URL}${path}`, params))
      .send(params);
  const staffToken = async () => {
    if (token) return token;
    const res = await request(hub.url).post('/api/v1/auth/login').send(ADMIN).expect(200);
    token = res.body.token as string;
    return token;
  };
  return {
    hub,
    twilio,
    authToken,
    queuePrefix,
    staffToken,
    async api() {
      const auth = { Authorization: `Bearer ${await staffToken()}` };
      return {
        get: (path) => request(hub.url).get(`/api/v1${path}`).set(auth),
        post: (path, body) => request(hub.url).post(`/api/v1${path}`).set(auth).send(body),
        patch: (path, body) => request(hub.url).patch(`/api/v1${path}`).set(auth).send(body),
        delete: (path) => request(hub.url).delete(`/api/v1${path}`).set(auth),
      };
    },
    postInboundSms(fields) {
      const params: Record<string, string> = {
        MessageSid: messageSid(),
        AccountSid: sid,
        To: CLINIC_NUMBER,
        Body: '',
        NumMedia: '0',
        ...fields,
      } as Record<string, string>;
      for (const [key, value] of Object.entries(fields)) if (value === undefined) delete params[key];
      return signedPost('/webhooks/twilio/sms', params);
    },
    postStatus(fields) {
      return signedPost('/webhooks/twilio/status', { AccountSid: sid, ...fields });
    },
    postVoice(path, fields) {
      return signedPost(path, { AccountSid: sid, ...fields });
    },
    async stop() {
      await hub.close();
      if (!options.twilio) await twilio.stop();
      await store.release();
    },
  };
}

export { messageSid, randomUsPhone };

/**
 * Polls until `check` returns a truthy value (or throws after `ms`). For asynchronous sends only.
 * The default is generous: it costs nothing when the state comes, and CI shares two cores with
 * browsers and worker threads, where triage of one message has taken over 10 s.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The staff API as whoever `token` belongs to (an agent, a supervisor): paths under /api/v1. */
export function staffApiAs(url: string, token: string): StaffApi {
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (path) => request(url).get(`/api/v1${path}`).set(auth),
    post: (path, body) => request(url).post(`/api/v1${path}`).set(auth).send(body),
    patch: (path, body) => request(url).patch(`/api/v1${path}`).set(auth).send(body),
    delete: (path) => request(url).delete(`/api/v1${path}`).set(auth),
  };
}
