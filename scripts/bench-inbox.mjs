// `npm run bench:inbox`: 50 staff sockets connected to /inbox while Twilio-signed inbound SMS
// webhooks arrive at a fixed rate (200/s); measures the time from the webhook POST to the
// `message.created` event on each staff socket (p50, p99) and counts events lost or repeated.
// A bare express + socket.io server that emits on each POST is measured in the same run as the
// floor. The hub runs its workers (triage, sends) as in production. Bounded in time.
//
//   npm run bench:inbox -- [--seconds 10] [--rate 200] [--sockets 50]
//   --profile <dir>: write a V8 CPU profile of the hub there.
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io as connectSocket } from 'socket.io-client';
import {
  deleteRedisKeys,
  machineLine,
  parseArgs,
  percentile,
  postAtRate,
  startBenchHub,
  startNodeProcess,
  twilioWebhooks,
  waitForUrl,
} from './lib/bench.mjs';
import { ensureDeps } from './lib/deps.mjs';
import { createDatabase, dropDatabases, ensureTestPostgres } from './lib/postgres.mjs';
import { makeLog } from './lib/proc.mjs';
import { ensureRedisFromEnv } from './lib/redis.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = makeLog('bench:inbox');
const args = parseArgs(process.argv.slice(2));
const SECONDS = Number(args.seconds ?? 10);
const RATE = Number(args.rate ?? 200);
const SOCKETS = Number(args.sockets ?? 50);
const HUB_PORT = 3903;
const BASELINE_PORT = 3904;
const PUBLIC_URL = 'https://bench.clinic.test';
const AUTH_TOKEN = crypto.randomBytes(16).toString('hex');
const ADMIN = { email: 'bench@clinic.test', password: crypto.randomBytes(12).toString('hex') };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Connects `count` sockets and records, per socket, when each event arrived and under which key. */
async function connectSockets(url, count, auth, keyOf) {
  const arrivals = [];
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise((resolve, reject) => {
          const socket = connectSocket(`${url}/inbox`, {
            transports: ['websocket'],
            auth: auth?.[index],
            reconnection: false,
          });
          socket.on('message.created', (payload) => {
            arrivals.push({ socket: index, key: keyOf(payload), at: performance.now() });
          });
          socket.once('connect', () => resolve(socket));
          socket.once('connect_error', reject);
        }),
    ),
  );
  return { sockets, arrivals };
}

function summarize(label, { sentAt, answers }, arrivals, sockets) {
  const latencies = [];
  const seen = new Set();
  let repeated = 0;
  for (const arrival of arrivals) {
    const sent = sentAt.get(arrival.key);
    if (sent === undefined) continue;
    const id = `${arrival.socket}:${arrival.key}`;
    if (seen.has(id)) {
      repeated += 1;
      continue;
    }
    seen.add(id);
    latencies.push(arrival.at - sent);
  }
  latencies.sort((a, b) => a - b);
  const expected = answers.ok * sockets;
  return {
    label,
    line: `${label.padEnd(28)} p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; events ${seen.size}/${expected} (lost ${expected - seen.size}, repeated ${repeated}); webhooks ok ${answers.ok}, failed ${answers.failed}`,
  };
}

async function main() {
  await ensureDeps(root, log);
  const redisUrl = await ensureRedisFromEnv(root, log);
  const queuePrefix = `careline-bench-inbox-${process.pid}`;
  const adminUrl = await ensureTestPostgres({ root, url: process.env.TEST_DATABASE_URL, log });
  const dbName = `careline_bench_inbox_${Date.now()}`;
  const dbUrl = new URL(await createDatabase(root, adminUrl, dbName));
  const children = [];
  const openSockets = [];
  try {
    children.push(
      startNodeProcess({
        root,
        label: 'baseline',
        file: path.join(root, 'scripts', 'bench-socket-baseline.mjs'),
        env: { PORT: String(BASELINE_PORT) },
      }),
      startBenchHub({
        root,
        port: HUB_PORT,
        publicUrl: PUBLIC_URL,
        databaseUrl: dbUrl.href,
        redisUrl,
        authToken: AUTH_TOKEN,
        admin: ADMIN,
        queuePrefix,
        runWorkers: true,
        profileDir: args.profile,
      }),
    );
    const hubUrl = `http://127.0.0.1:${HUB_PORT}`;
    const baselineUrl = `http://127.0.0.1:${BASELINE_PORT}`;
    await waitForUrl(`${baselineUrl}/`);
    await waitForUrl(`${hubUrl}/readyz`);

    // Baseline: the same load and sockets against express + socket.io alone.
    log(`baseline: express + socket.io, ${SOCKETS} sockets, ${RATE}/s for ${SECONDS} s`);
    const base = await connectSockets(baselineUrl, SOCKETS, undefined, (p) => p.sid);
    openSockets.push(...base.sockets);
    const baseWebhooks = twilioWebhooks({ publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });
    const baseNext = () => ({ ...baseWebhooks(), path: '/hook' });
    const baseRun = await postAtRate(baselineUrl, baseNext, RATE, SECONDS);
    await sleep(2000);
    for (const socket of base.sockets) socket.close();

    // The hub: one staff session per socket (the bootstrap admin sees every queue).
    const tokens = [];
    for (let i = 0; i < SOCKETS; i++) {
      const res = await fetch(`${hubUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      if (!res.ok) throw new Error(`staff login failed: ${res.status}`);
      tokens.push({ token: (await res.json()).token });
    }
    const hubWebhooks = twilioWebhooks({ publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });
    log('hub warm-up (2 s at 50/s) ...');
    await postAtRate(hubUrl, hubWebhooks, 50, 2);
    log(`hub: ${SOCKETS} staff sockets, signed inbound SMS at ${RATE}/s for ${SECONDS} s`);
    const hub = await connectSockets(hubUrl, SOCKETS, tokens, (p) => p.messageId);
    openSockets.push(...hub.sockets);
    const hubRun = await postAtRate(hubUrl, hubWebhooks, RATE, SECONDS);
    await sleep(3000);

    // Events carry our message id; the database maps it back to the MessageSid the test sent.
    const check = new pg.Client({ connectionString: dbUrl.href });
    await check.connect();
    const { rows } = await check.query(
      "select id, provider_message_id from messages where direction = 'inbound' and channel = 'sms'",
    );
    await check.end();
    const sidById = new Map(rows.map((r) => [r.id, r.provider_message_id]));
    const hubArrivals = hub.arrivals.map((a) => ({ ...a, key: sidById.get(a.key) ?? a.key }));

    const baseLine = summarize('express + socket.io floor:', baseRun, base.arrivals, SOCKETS);
    const hubLine = summarize('hub, webhook → staff event:', hubRun, hubArrivals, SOCKETS);
    console.log(`
${machineLine()}
Load generator and ${SOCKETS} sockets share one process; the hub (with its workers), the baseline,
PostgreSQL and Redis are other processes on the same machine. Offered ${RATE} webhooks/s for ${SECONDS} s.

${baseLine.line}
${hubLine.line}
`);
  } finally {
    for (const socket of openSockets) socket.close();
    for (const child of children) child.kill('SIGTERM');
    await sleep(1500);
    await dropDatabases(root, adminUrl, dbName).catch(() => undefined);
    await deleteRedisKeys(redisUrl, queuePrefix).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
