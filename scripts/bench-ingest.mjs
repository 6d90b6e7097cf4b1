// `npm run bench` / `npm run bench:ingest`: signed inbound SMS webhooks against a running hub on
// loopback (PostgreSQL server + Redis on this machine), with a bare express hello-world measured in
// the same run as the baseline. Prints accepted webhooks/s at full load (autocannon, closed loop),
// p50/p99 acknowledgement latency at a fixed 500/s (an open loop: each webhook sent at its due time,
// its latency counted from then), and the ratio to the baseline. Bounded in time; stops by itself.
//
//   npm run bench -- [--seconds 10] [--rate 500] [--connections 50] [--workers true]
//   --profile <dir>: write a V8 CPU profile of the hub there (open it in Chrome DevTools).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
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
const log = makeLog('bench');
const args = parseArgs(process.argv.slice(2));
const SECONDS = Number(args.seconds ?? 10);
const RATE = Number(args.rate ?? 500);
const CONNECTIONS = Number(args.connections ?? 50);
const HUB_PORT = 3901;
const BASELINE_PORT = 3902;
const PUBLIC_URL = 'https://bench.clinic.test';
const AUTH_TOKEN = crypto.randomBytes(16).toString('hex');
const signedWebhook = twilioWebhooks({ publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });

/** autocannon's request fields only (it rejects unknown ones). */
function webhookRequest() {
  const { method, path: requestPath, headers, body } = signedWebhook();
  return { method, path: requestPath, headers, body };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc: the hub's CPU per accepted
 * webhook is steadier than its rate on a machine whose other tenants come and go.
 */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/**
 * Signed webhooks made before a measured phase, each used once: signing in the load generator
 * while it runs would take CPU from the hub on the same two cores. Made on the fly if they run out.
 */
function pregenerated(count, make = webhookRequest) {
  const pool = Array.from({ length: count }, make);
  let next = 0;
  return () => {
    if (next >= pool.length) return make();
    const request = pool[next];
    // Let go of each once used: a pool kept whole until the end makes the load generator's own
    // garbage collections long, and those pauses would count as the hub's latency.
    pool[next++] = undefined;
    return request;
  };
}

function cannon(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    autocannon.track(instance, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
}

async function main() {
  await ensureDeps(root, log);
  const redisUrl = await ensureRedisFromEnv(root, log);
  const queuePrefix = `careline-bench-${process.pid}`;
  const adminUrl = await ensureTestPostgres({ root, url: process.env.TEST_DATABASE_URL, log });
  const dbName = `careline_bench_${Date.now()}`;
  const dbUrl = new URL(await createDatabase(root, adminUrl, dbName));

  const children = [];
  try {
    const baseline = startNodeProcess({
      root,
      label: 'baseline',
      file: path.join(root, 'scripts', 'bench-baseline-server.mjs'),
      env: { PORT: String(BASELINE_PORT) },
    });
    children.push(baseline);
    const hub = startBenchHub({
      root,
      port: HUB_PORT,
      publicUrl: PUBLIC_URL,
      databaseUrl: dbUrl.href,
      redisUrl,
      authToken: AUTH_TOKEN,
      admin: { email: 'bench@clinic.test', password: crypto.randomBytes(12).toString('hex') },
      queuePrefix,
      // Ingest alone by default; `--workers true` also runs triage and sends in the same process.
      runWorkers: args.workers ?? 'false',
      profileDir: args.profile,
    });
    children.push(hub);
    await waitForUrl(`http://127.0.0.1:${BASELINE_PORT}/`);
    await waitForUrl(`http://127.0.0.1:${HUB_PORT}/readyz`);

    log(`warm-up (3 s) ...`);
    await cannon({
      url: `http://127.0.0.1:${HUB_PORT}`,
      connections: 10,
      duration: 3,
      requests: [{ setupRequest: (req) => ({ ...req, ...webhookRequest() }) }],
    });

    log(`baseline: bare express hello-world, ${CONNECTIONS} connections, ${SECONDS} s`);
    const baseCpuBefore = cpuSeconds(baseline.pid);
    const base = await cannon({
      url: `http://127.0.0.1:${BASELINE_PORT}/`,
      connections: CONNECTIONS,
      duration: SECONDS,
    });
    const baseCpuMs = ((cpuSeconds(baseline.pid) - baseCpuBefore) * 1000) / base['2xx'];

    log(`hub: signed inbound SMS webhooks, ${CONNECTIONS} connections, ${SECONDS} s (as fast as accepted)`);
    let fullLoad = pregenerated(SECONDS * 5000);
    const cpuBefore = cpuSeconds(hub.pid);
    const full = await cannon({
      url: `http://127.0.0.1:${HUB_PORT}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [{ setupRequest: (req) => ({ ...req, ...fullLoad() }) }],
    });

    const hubCpuMs = ((cpuSeconds(hub.pid) - cpuBefore) * 1000) / full['2xx'];
    fullLoad = null; // what is left of its pool

    log(`hub: fixed offered load of ${RATE}/s for ${SECONDS} s (open loop, latency from each due time)`);
    // The load generator's own HTTP client loads and connects on first use: warmed up first.
    await postAtRate(`http://127.0.0.1:${HUB_PORT}`, pregenerated(100, signedWebhook), 100, 1);
    const fixedLoad = pregenerated(SECONDS * RATE + 1000, signedWebhook);
    const generatorDelay = monitorEventLoopDelay({ resolution: 5 });
    generatorDelay.enable();
    const fixed = await postAtRate(`http://127.0.0.1:${HUB_PORT}`, fixedLoad, RATE, SECONDS);
    generatorDelay.disable();

    const check = new pg.Client({ connectionString: dbUrl.href });
    await check.connect();
    const { rows } = await check.query("select count(*)::int as n from messages where direction = 'inbound'");
    await check.end();

    const accepted = full['2xx'] / full.duration;
    const baselineRps = base.requests.average;
    console.log(`
${machineLine()}
Load generator, hub and baseline are separate processes on the same machine; PostgreSQL and Redis too.
Hub workers (triage, sends) in the same process: ${args.workers ?? 'false'}.

bare express hello-world:     ${baselineRps.toFixed(0)} req/s (${CONNECTIONS} connections)
hub, full load:               ${accepted.toFixed(0)} webhooks/s accepted (2xx ${full['2xx']}, non-2xx ${full.non2xx}, errors ${full.errors}, timeouts ${full.timeouts})
                              p50 ${full.latency.p50} ms, p99 ${full.latency.p99} ms
hub / baseline:               ${(accepted / baselineRps).toFixed(2)}
hub CPU per webhook:          ${hubCpuMs.toFixed(2)} ms (user + system, full-load phase; bare express: ${baseCpuMs.toFixed(3)} ms per request)
hub at ${RATE}/s offered:        p50 ${percentile(fixed.ackLatencies, 50).toFixed(1)} ms, p99 ${percentile(fixed.ackLatencies, 99).toFixed(1)} ms, max ${fixed.ackLatencies.at(-1)?.toFixed(1)} ms, achieved ${(fixed.answers.ok / fixed.elapsed).toFixed(0)}/s (2xx ${fixed.answers.ok}, failed ${fixed.answers.failed})
                              (the load generator's own event loop stalled up to ${(generatorDelay.max / 1e6).toFixed(0)} ms meanwhile)
inbound messages stored:      ${rows[0].n} (every 2xx was committed before it was answered)
`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await dropDatabases(root, adminUrl, dbName).catch(() => undefined);
    await deleteRedisKeys(redisUrl, queuePrefix).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
