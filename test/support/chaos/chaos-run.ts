import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import { type HubProcess, hubEnv, startHubProcess } from '../hub-process';
import { TwilioStandIn } from '../twilio-stand-in';
import { freePort } from './free-port';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres';
import { type PrivateRedis, startPrivateRedis } from './private-redis';

/**
 * The crash test (`npm run chaos`, and a shorter run in `npm test`): an operator's worst day.
 * Signed inbound SMS arrive at a steady rate while the hub is killed with SIGKILL twice, Redis is
 * killed (losing every job) and PostgreSQL crashes and restarts; then staff replies are sent through
 * the API while the hub and Redis are killed again. Everything runs in processes and servers of its
 * own, on free ports, so the machine's PostgreSQL and Redis are never touched.
 */
export interface ChaosOptions {
  /** Distinct patients writing in (one message each). */
  senders: number;
  /** Inbound webhooks per second. */
  rate: number;
  /** Staff replies sent through the API in the second phase. */
  replies: number;
  /** How long the Twilio stand-in takes to answer each send. */
  sendDelayMs: number;
  /** How long stored work may take to settle after the last fault (triage, sends). */
  settleSeconds: number;
  log: (line: string) => void;
}

export interface ChaosCounts {
  /** What the outside world was told was accepted (webhook 200, reply 202). */
  acknowledged: number;
  lost: number;
  duplicated: number;
  stuck: number;
}

export interface ChaosReport {
  inbound: ChaosCounts;
  triage: ChaosCounts;
  replies: ChaosCounts;
  /** Times the hub process exited without being killed by the test. */
  hubExits: number;
  /** Seconds from the database's restart until the hub accepted a webhook again. */
  recoverySeconds: number | null;
  faults: string[];
}

const PUBLIC_URL = 'https://hub.chaos.test';
const CLINIC_NUMBER = '+14155550100';
const ADMIN = { email: 'chaos-admin@careline.test', password: `chaos-${randomBytes(8).toString('hex')}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Twilio's documented signature, computed here rather than with the SDK the hub uses, so a shared
 * mistake cannot hide: HMAC-SHA1 of the URL followed by every parameter name and value in name order.
 */
function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** A hub process kept running like a process manager would, counting exits we did not cause. */
class SupervisedHub {
  private hub?: HubProcess;
  private killing = false;
  exitsBySelf = 0;
  private restarting?: Promise<void>;

  constructor(
    private readonly env: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    const hub = await startHubProcess(this.env, 120_000);
    this.hub = hub;
    hub.child.once('exit', (code, signal) => {
      if (this.killing || this.hub !== hub) return;
      this.exitsBySelf += 1;
      this.log(`the hub exited by itself (code ${code}, signal ${signal}); restarting it`);
      this.restarting = this.start();
    });
  }

  async kill9(): Promise<void> {
    const hub = this.hub;
    if (!hub) return;
    this.killing = true;
    const exited = new Promise<void>((resolve) => hub.child.once('exit', () => resolve()));
    hub.child.kill('SIGKILL');
    await exited;
    this.killing = false;
  }

  async restart(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    await this.restarting?.catch(() => undefined);
    this.killing = true;
    await this.hub?.stop();
  }
}

interface InboundSend {
  sid: string;
  from: string;
  acknowledged: boolean;
}

/** Posts one signed SMS webhook until it is acknowledged or `until` passes (Twilio-like retries). */
async function deliverWebhook(baseUrl: string, authToken: string, send: InboundSend, until: number) {
  const params = {
    AccountSid: `AC${'0'.repeat(32)}`,
    MessageSid: send.sid,
    From: send.from,
    To: CLINIC_NUMBER,
    Body: 'Hi, could I get my blood pressure pills refilled please?',
    NumMedia: '0',
  };
  const path = '/webhooks/twilio/sms';
  const signature = signTwilio(authToken, `${PUBLIC_URL}${path}`, params);
  while (Date.now() < until) {
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) {
        send.acknowledged = true;
        return;
      }
    } catch {
      // Connection refused or reset while the hub is down: try again, as Twilio's retry would.
    }
    await sleep(500);
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const faults: string[] = [];
  const fault = (what: string) => {
    faults.push(`${new Date().toISOString()} ${what}`);
    log(what);
  };
  let postgres: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  let hub: SupervisedHub | undefined;
  const twilio = new TwilioStandIn(`AC${randomBytes(16).toString('hex')}`, randomBytes(16).toString('hex'));
  twilio.acceptDelayMs = options.sendDelayMs;
  try {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), twilio.start()]);
    log(`private PostgreSQL on ${postgres.port}, Redis on ${redis.port}`);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    hub = new SupervisedHub(
      hubEnv(
        {
          publicUrl: PUBLIC_URL,
          databaseUrl: postgres.url,
          redisUrl: redis.url,
          admin: ADMIN,
          twilio,
          fromNumber: CLINIC_NUMBER,
        },
        {
          PORT: String(port),
          // Sweep often, so work lost with Redis or a killed process comes back within the test's patience.
          OUTBOX_SWEEP_SECONDS: '2',
          OUTBOX_LEASE_SECONDS: '5',
        },
      ),
      log,
    );
    await hub.start();
    log('hub started');

    // Phase 1: inbound at a steady rate, with the faults spread over it.
    const sends: InboundSend[] = Array.from({ length: options.senders }, (_, i) => ({
      sid: `SM${randomBytes(16).toString('hex')}`,
      from: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`,
      acknowledged: false,
    }));
    const phaseMs = (options.senders / options.rate) * 1000;
    const started = Date.now();
    const giveUpAt = started + phaseMs + 120_000;
    const deliveries: Promise<void>[] = [];
    let recoverySeconds: number | null = null;
    const schedule = async () => {
      await sleep(phaseMs * 0.15);
      fault('kill -9 the hub');
      await hub!.kill9();
      await sleep(1000);
      await hub!.restart();
      await sleep(phaseMs * 0.15);
      fault('kill Redis (every queued job lost) and start it again empty');
      await redis!.kill();
      await sleep(1000);
      await redis!.start();
      await sleep(phaseMs * 0.15);
      fault('crash PostgreSQL (immediate stop) and start it again 2 s later');
      postgres!.crash();
      await sleep(2000);
      await postgres!.start();
      const readyAfterMs = await timeUntilReady(baseUrl, 60_000);
      recoverySeconds = readyAfterMs === null ? null : readyAfterMs / 1000;
      await sleep(phaseMs * 0.15);
      fault('kill -9 the hub again');
      await hub!.kill9();
      await sleep(1000);
      await hub!.restart();
    };
    const faultsDone = schedule();
    for (let i = 0; i < sends.length; i++) {
      const due = started + (i * 1000) / options.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      deliveries.push(deliverWebhook(baseUrl, twilio.authToken, sends[i]!, giveUpAt));
    }
    await faultsDone;
    await Promise.all(deliveries);
    const acknowledged = sends.filter((s) => s.acknowledged);
    log(`inbound: ${acknowledged.length} of ${sends.length} webhooks acknowledged`);

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const sids = acknowledged.map((s) => s.sid);
      const settleBy = Date.now() + options.settleSeconds * 1000;
      let inbound: ChaosCounts;
      let triage: ChaosCounts;
      for (;;) {
        const stored = await db.query<{ sid: string; copies: number; triaged: number }>(
          `select provider_message_id as sid, count(*)::int as copies, count(triage)::int as triaged
             from messages where direction = 'inbound' and provider_message_id = any($1) group by 1`,
          [sids],
        );
        const bySid = new Map(stored.rows.map((r) => [r.sid, r]));
        inbound = {
          acknowledged: sids.length,
          lost: sids.filter((sid) => !bySid.has(sid)).length,
          duplicated: stored.rows.filter((r) => r.copies > 1).length,
          stuck: 0,
        };
        const untriaged = stored.rows.filter((r) => r.triaged < r.copies).length;
        triage = { acknowledged: stored.rows.length, lost: 0, duplicated: 0, stuck: untriaged };
        if (untriaged === 0 || Date.now() > settleBy) break;
        await sleep(1000);
      }
      log(
        `inbound: lost ${inbound.lost}, duplicated ${inbound.duplicated}; triage: ${triage.stuck} untriaged`,
      );
      // A message triaged twice would have acted twice (two safety replies, two queue moves).
      const decidedTwice = await db.query<{ n: number }>(
        `select count(*)::int as n from (select a.subject_id from audit_log a
           join messages m on m.id::text = a.subject_id
          where a.action = 'triage.decided' and m.provider_message_id = any($1)
          group by a.subject_id having count(*) > 1) twice`,
        [sids],
      );
      triage.duplicated = decidedTwice.rows[0]?.n ?? 0;

      // Phase 2: staff replies through the API while the hub and Redis are killed.
      const replies =
        options.replies > 0 ? await sendRepliesUnderFaults(baseUrl, db, hub, redis, options, fault) : [];
      return {
        inbound,
        triage,
        replies: await countReplies(db, twilio, replies, options),
        hubExits: hub.exitsBySelf,
        recoverySeconds,
        faults,
      };
    } finally {
      await db.end();
    }
  } finally {
    await hub?.stop().catch(() => undefined);
    await twilio.stop().catch(() => undefined);
    await redis?.destroy().catch(() => undefined);
    postgres?.destroy();
  }
}

/** Milliseconds until /readyz answers 200 (null after `ms`). */
async function timeUntilReady(baseUrl: string, ms: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - start;
    } catch {
      // Down: keep asking.
    }
    await sleep(200);
  }
  return null;
}

interface ReplySend {
  tag: string;
  conversationId: string;
  key: string;
  accepted: boolean;
}

async function login(baseUrl: string): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      if (res.ok) return ((await res.json()) as { token: string }).token;
      await res.arrayBuffer();
    } catch {
      // The hub is restarting.
    }
    await sleep(500);
  }
}

async function sendRepliesUnderFaults(
  baseUrl: string,
  db: pg.Client,
  hub: SupervisedHub,
  redis: PrivateRedis,
  options: ChaosOptions,
  fault: (what: string) => void,
): Promise<ReplySend[]> {
  const token = await login(baseUrl);
  const conversations = await db.query<{ id: string }>(
    `select id from conversations order by created_at limit $1`,
    [options.replies],
  );
  const replies: ReplySend[] = conversations.rows.map((row, i) => ({
    tag: `chaos-reply-${i}-${randomBytes(3).toString('hex')}`,
    conversationId: row.id,
    key: randomBytes(12).toString('hex'),
    accepted: false,
  }));
  const post = async (reply: ReplySend, until: number) => {
    // A client that lost the answer retries with the same Idempotency-Key, as the inbox page does.
    while (Date.now() < until) {
      try {
        const res = await fetch(`${baseUrl}/api/v1/conversations/${reply.conversationId}/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': reply.key,
          },
          body: JSON.stringify({ body: `Your refill is on its way (${reply.tag})`, sensitivity: 'public' }),
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        if (res.status === 202) {
          reply.accepted = true;
          return;
        }
        if (res.status < 500) return;
      } catch {
        // No answer: try again with the same key.
      }
      await sleep(500);
    }
  };
  const spacingMs = 25;
  const until = Date.now() + replies.length * spacingMs + 120_000;
  const posts: Promise<void>[] = [];
  const faults = (async () => {
    await sleep(replies.length * spacingMs * 0.3);
    fault('kill -9 the hub while replies are being sent');
    await hub.kill9();
    await sleep(1000);
    await hub.restart();
    await sleep(replies.length * spacingMs * 0.3);
    fault('kill Redis while replies are being sent, and start it again empty');
    await redis.kill();
    await sleep(1000);
    await redis.start();
  })();
  for (const reply of replies) {
    posts.push(post(reply, until));
    await sleep(spacingMs);
  }
  await Promise.all([faults, ...posts]);
  return replies;
}

async function countReplies(
  db: pg.Client,
  twilio: TwilioStandIn,
  replies: ReplySend[],
  options: ChaosOptions,
): Promise<ChaosCounts> {
  const accepted = replies.filter((r) => r.accepted);
  const settleBy = Date.now() + options.settleSeconds * 1000;
  const counts = (): ChaosCounts => {
    const seen = new Map<string, number>();
    for (const message of twilio.messages) {
      const body = String(message.params.Body ?? '');
      const tag = /chaos-reply-\d+-[0-9a-f]{6}/.exec(body)?.[0];
      if (tag) seen.set(tag, (seen.get(tag) ?? 0) + 1);
    }
    return {
      acknowledged: accepted.length,
      lost: accepted.filter((r) => !seen.has(r.tag)).length,
      duplicated: [...seen.values()].filter((n) => n > 1).length,
      stuck: 0,
    };
  };
  const stuckRows = async () =>
    (
      await db.query<{ n: number }>(
        `select count(*)::int as n from messages where direction = 'outbound' and status in ('pending', 'sending')`,
      )
    ).rows[0]?.n ?? 0;
  // Lost and stuck are judged once the hub had its chance: after the settle time, or sooner when
  // every accepted reply reached the provider and no outbound row is still waiting or claimed.
  let result = { ...counts(), stuck: await stuckRows() };
  while ((result.lost > 0 || result.stuck > 0) && Date.now() < settleBy) {
    await sleep(1000);
    result = { ...counts(), stuck: await stuckRows() };
  }
  // Where a duplicate came from: two stored replies (the API accepted a retried request twice) or
  // one stored reply sent twice (the outbox).
  const stored = await db.query<{ tag: string; copies: number }>(
    `select substring(body from 'chaos-reply-[0-9]+-[0-9a-f]{6}') as tag, count(*)::int as copies
       from messages where direction = 'outbound' and body like '%chaos-reply-%' group by 1`,
  );
  const storedTwice = stored.rows.filter((r) => r.copies > 1).length;
  options.log(
    `replies: ${storedTwice} stored more than once by the API, ${result.duplicated} sent more than once in all`,
  );
  return result;
}
