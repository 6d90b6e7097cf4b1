import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import { type PrivatePostgres, startPrivatePostgres } from '../support/chaos/private-postgres';
import { type PrivateRedis, startPrivateRedis } from '../support/chaos/private-redis';
import { type HubProcess, startHubProcess } from '../support/hub-process';
import { CLINIC_NUMBER, eventually, randomUsPhone, startTestHub, testRedisUrl } from '../support/test-hub';

// The hub's dependencies go away and come back, as in a crash, a restart or a failover. The hub
// itself must stay up, say what is missing, refuse work it cannot store (senders retry), and serve
// again by itself.
jest.setTimeout(120_000);

const PUBLIC_URL = 'https://hub.outage.test';
const ACCOUNT_SID = `AC${randomBytes(16).toString('hex')}`;
const AUTH_TOKEN = randomBytes(16).toString('hex');

// Twilio's documented algorithm, computed here and not with the SDK the hub uses.
function sign(url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', AUTH_TOKEN).update(data).digest('base64');
}

async function postSms(baseUrl: string, sid: string, from: string): Promise<Response> {
  const params = {
    AccountSid: ACCOUNT_SID,
    MessageSid: sid,
    From: from,
    To: CLINIC_NUMBER,
    Body: 'Is the clinic open Saturday?',
  };
  return fetch(`${baseUrl}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(`${PUBLIC_URL}/webhooks/twilio/sms`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

describe('a PostgreSQL restart', () => {
  let postgres: PrivatePostgres;
  let hub: HubProcess;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    hub = await startHubProcess({
      PUBLIC_URL,
      DATABASE_URL: postgres.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: `careline-outage-${randomBytes(4).toString('hex')}`,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: CLINIC_NUMBER,
      // Sends never leave: nothing in this test replies to patients.
      TWILIO_API_URL: 'http://127.0.0.1:9',
      ADMIN_EMAIL: 'admin@outage.test',
      ADMIN_PASSWORD: 'outage-admin-password',
    });
  });
  afterAll(async () => {
    await hub?.stop();
    postgres?.destroy();
  });

  test('leaves the hub running: 503 during the outage, serving again by itself afterwards, nothing acknowledged lost', async () => {
    const before = `SM${randomBytes(16).toString('hex')}`;
    expect((await postSms(hub.url, before, randomUsPhone())).status).toBe(200);

    // Webhooks keep arriving, so some are mid-transaction when the server goes: their connections
    // are checked out of the pool when they die, the case that used to take the process down.
    let arriving = true;
    const keepPosting = async () => {
      while (arriving) {
        await postSms(hub.url, `SM${randomBytes(16).toString('hex')}`, randomUsPhone()).catch(
          () => undefined,
        );
      }
    };
    const concurrent = Array.from({ length: 4 }, keepPosting);
    await new Promise((r) => setTimeout(r, 300));
    postgres.crash();
    await new Promise((r) => setTimeout(r, 300));
    arriving = false;
    await Promise.all(concurrent);
    const during = await postSms(hub.url, `SM${randomBytes(16).toString('hex')}`, randomUsPhone());
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(((await during.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.postgres).toBe('unavailable');

    await postgres.start();
    const after = `SM${randomBytes(16).toString('hex')}`;
    // Within seconds of the database's return, with no restart of the hub.
    await eventually(async () => (await postSms(hub.url, after, randomUsPhone())).status === 200, 15_000);
    expect(hub.child.exitCode).toBeNull();
    expect(hub.child.signalCode).toBeNull();
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const stored = await db.query(
      'select provider_message_id from messages where provider_message_id = any($1)',
      [[before, after]],
    );
    await db.end();
    expect(stored.rows.map((r) => r.provider_message_id).sort()).toEqual([before, after].sort());
  });
});

describe('a Redis that may evict keys', () => {
  let redis: PrivateRedis;
  let hub: Awaited<ReturnType<typeof startTestHub>>;

  beforeAll(async () => {
    redis = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
    hub = await startTestHub({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await hub?.stop();
    await redis?.destroy();
  });

  test('is named in /readyz, which stays ready: the work is still in PostgreSQL', async () => {
    const res = await fetch(`${hub.hub.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { warnings?: Record<string, string> };
    expect(body.warnings?.redis).toMatch(/maxmemory-policy is allkeys-lru.*noeviction/);
  });

  test("the machine's Redis (noeviction) gets no warning", async () => {
    const other = await startTestHub();
    try {
      const body = (await (await fetch(`${other.hub.url}/readyz`)).json()) as { warnings?: unknown };
      expect(body.warnings).toBeUndefined();
    } finally {
      await other.stop();
    }
  });
});
