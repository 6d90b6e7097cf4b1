// Usage: npx tsx scripts/bench-webhook-cost.ts [-- --load 200 --seconds 20 --contacts 2000 --workers
//          --root DIR --profile DIR]
//   --load L       signed inbound SMS webhooks per second, open loop (default 200)
//   --seconds S    length of the measured window (default 20)
//   --contacts N   seeded patients the webhooks come from (default 2,000)
//   --workers      RUN_WORKERS=true: the hub also triages what it stores, as one process deploys it;
//                  the triage backlog's drain is then measured too (default: webhooks only)
//   --root DIR     run the hub from another checkout's dist/ (built there): old and new alternated
//                  from one script
//   --profile DIR  write a V8 CPU profile of the hub to DIR and print the window's share by function
//   --sequential N instead of the open loop, N webhooks one after another (each waits for the answer
//                  to the one before): no batch ever holds more than one webhook, so the figure is a
//                  webhook's own cost, whatever the machine's load does to the open loop's batches
//   --idle S       first measure the hub's main thread with no traffic for S seconds (default 10):
//                  its timers (sweeps, health checks, progress) cost CPU whatever arrives, and a
//                  slow loop (--sequential) would otherwise charge them to its few webhooks
//
// Issue 16: 200 inbound webhooks/s alone kept the hub's main thread ~96% busy on two cores, so what
// one webhook costs that thread is the ceiling under a campaign. This measures it as CPU time, which
// another process on the cores cannot inflate the way it inflates latency or event-loop utilization:
// the hub's main thread's utime + stime (/proc/PID/task/PID/stat) over the window, divided by the
// webhooks answered, beside the whole process's (all threads: triage's classifier, GC helpers,
// libuv). The hub is dist/src/main.js with NODE_ENV=production, on a fresh database of
// TEST_DATABASE_URL's server and the local Redis under a queue prefix of its own; 3 s of warm-up are
// not counted. Every acknowledged webhook is checked to be stored once.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { JOB_QUEUE_NAMES } from '../src/platform/queues/queue-names';
import { hubEnv, startHubProcess } from '../test/support/hub-process';
import { createTestDatabase } from '../test/support/test-database';
import { testRedisUrl } from '../test/support/test-hub';
import { accountSid } from '../test/support/twilio-signing';
import { TwilioStandIn } from '../test/support/twilio-stand-in';
import { summarizeCpuProfile } from './lib/cpu-profile-summary';
import {
  BENCH_CLINIC_NUMBER as CLINIC_NUMBER,
  BENCH_PUBLIC_URL as PUBLIC_URL,
  postAtRate,
  postInTurn,
  signedWebhooks,
} from './lib/signed-webhooks';

const { values: options } = parseArgs({
  options: {
    load: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    contacts: { type: 'string', default: '2000' },
    workers: { type: 'boolean', default: false },
    root: { type: 'string' },
    profile: { type: 'string' },
    sequential: { type: 'string' },
    idle: { type: 'string', default: '10' },
  },
});
const LOAD = Number(options.load);
const SEQUENTIAL = options.sequential ? Math.max(1, Number(options.sequential)) : 0;
const SECONDS = Number(options.seconds);
const CONTACTS = Math.max(10, Number(options.contacts));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** utime + stime (ms) of one thread of `pid`, or of every thread when `tid` is omitted. */
function cpuMsOf(pid: number, tid?: number): number {
  const tids = tid === undefined ? fs.readdirSync(`/proc/${pid}/task`).map(Number) : [tid];
  let ticks = 0;
  for (const t of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return ticks * TICK_MS;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

async function drain(queue: Queue, ms = 180_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
    const left = Object.values(counts).reduce((a, b) => a + b, 0);
    if (left === 0 || performance.now() - started > ms) return left;
    await sleep(100);
  }
}

async function main() {
  const database = await createTestDatabase();
  const twilio = new TwilioStandIn(accountSid(), randomBytes(16).toString('hex'));
  await twilio.start();
  const redisUrl = testRedisUrl();
  const queuePrefix = `careline-bench-webhook-${process.pid}`;
  const profileDir = options.profile ? path.resolve(options.profile) : undefined;
  const hub = await startHubProcess(
    hubEnv(
      {
        publicUrl: PUBLIC_URL,
        databaseUrl: database.url,
        redisUrl,
        queuePrefix,
        admin: { email: 'bench@clinic.test', password: randomBytes(12).toString('hex') },
        twilio,
        fromNumber: CLINIC_NUMBER,
      },
      { NODE_ENV: 'production', RUN_WORKERS: String(options.workers) },
    ),
    120_000,
    {
      compiled: true,
      root: options.root,
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    },
  );
  const pid = hub.child.pid!;
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const triage = new Queue(JOB_QUEUE_NAMES.inboundTriage, { connection: redis, prefix: queuePrefix });
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  let exitedAt = 0;
  let window = { from: 0, to: 0 };
  try {
    const [org] = (await db.query<{ id: string }>('select id from organizations limit 1')).rows;
    await db.query(
      `insert into contacts (org_id, display_name, date_of_birth, language, tags)
       select $1, 'Patient ' || g, date '1950-01-01', 'en', '["bench"]'::jsonb from generate_series(1, $2) g`,
      [org!.id, CONTACTS],
    );
    await db.query(
      `insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'phone', '+1415' || (2000000 + row_number() over (order by created_at, id))::text
       from contacts where org_id = $1`,
      [org!.id],
    );
    await db.query('analyze contacts, contact_identities');
    const loadBefore = load();
    await postAtRate(hub.url, signedWebhooks(LOAD * 3, CONTACTS, twilio), LOAD);
    if (options.workers) await drain(triage);
    // The hub's own background (timers, pollers) with nothing arriving: CPU ms per second.
    const idleSeconds = Math.max(0, Number(options.idle));
    const idle0 = cpuMsOf(pid, pid);
    const idleStarted = performance.now();
    await sleep(idleSeconds * 1000);
    const idleRate =
      idleSeconds > 0 ? (cpuMsOf(pid, pid) - idle0) / ((performance.now() - idleStarted) / 1000) : 0;
    const webhooks = signedWebhooks(SEQUENTIAL || Math.round(LOAD * SECONDS), CONTACTS, twilio);
    const main0 = cpuMsOf(pid, pid);
    const all0 = cpuMsOf(pid);
    window = { from: Date.now(), to: 0 };
    const result = SEQUENTIAL
      ? await postInTurn(hub.url, webhooks)
      : await postAtRate(hub.url, webhooks, LOAD);
    window.to = Date.now();
    const main1 = cpuMsOf(pid, pid);
    const all1 = cpuMsOf(pid);
    const left = options.workers ? await drain(triage) : 0;
    const main2 = cpuMsOf(pid, pid);
    const all2 = cpuMsOf(pid);
    const stored = (
      await db.query<{ n: number; distinct: number }>(
        `select count(*)::int as n, count(distinct provider_message_id)::int as distinct from messages
          where direction = 'inbound' and provider_message_id = any($1)`,
        [result.ok],
      )
    ).rows[0]!;
    const n = result.ok.length;
    const per = (ms: number) => (ms / n).toFixed(3);
    const lat = result.latencies;
    console.log(
      [
        `hub ${options.root ?? '(this tree)'}, workers ${options.workers ? 'on' : 'off'}, ${SEQUENTIAL ? `${SEQUENTIAL} webhooks one at a time` : `${LOAD}/s open loop`}; load average ${loadBefore} -> ${load()}`,
        `webhooks: ${n} answered 200, ${result.failed} failed, ${(n / result.elapsed).toFixed(0)}/s; stored ${stored.n} (${stored.distinct} distinct)`,
        `latency ms: p50 ${percentile(lat, 50).toFixed(1)}, p99 ${percentile(lat, 99).toFixed(1)}, max ${percentile(lat, 100).toFixed(1)}`,
        `main thread with no traffic: ${idleRate.toFixed(1)} ms of CPU a second (over ${idleSeconds} s); per webhook net of it: ${per(main1 - main0 - idleRate * result.elapsed)} ms`,
        `main thread CPU per webhook: ${per(main1 - main0)} ms (window ${(main1 - main0).toFixed(0)} ms over ${result.elapsed.toFixed(1)} s = ${((main1 - main0) / result.elapsed / 10).toFixed(0)}% of a core)`,
        `process CPU per webhook (all threads): ${per(all1 - all0)} ms`,
        ...(options.workers
          ? [
              `with the triage backlog drained (${left} left): main thread ${per(main2 - main0)} ms, process ${per(all2 - all0)} ms per message`,
            ]
          : []),
      ].join('\n'),
    );
  } finally {
    await triage.obliterate({ force: true }).catch(() => undefined);
    await triage.close();
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db.end();
    await hub.stop();
    exitedAt = Date.now();
    await twilio.stop();
    await database.drop();
  }
  if (profileDir) {
    // The main thread's profile (thread 0); a triage worker thread writes one of its own.
    const file = fs
      .readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${hub.child.pid}.0.`))
      .map((f) => path.join(profileDir, f))[0]!;
    const summary = summarizeCpuProfile(file, exitedAt, window.from, window.to, 40);
    console.log(
      `profile ${file}: ${summary.totalMs.toFixed(0)} ms busy in the window (epoch ms ${window.from} to ${window.to}, the hub exited at ${exitedAt})`,
    );
    for (const x of summary.byPlace) console.log(`  ${x.ms.toFixed(0).padStart(6)} ms  ${x.what}`);
    for (const x of summary.byFunction) console.log(`  ${x.ms.toFixed(0).padStart(6)} ms  ${x.what}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
