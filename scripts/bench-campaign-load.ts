// Usage: npm run bench:campaign-load [-- --contacts 20000 --rate 50 --load 200 --seconds 20]
//   --contacts N   audience size, seeded in SQL (default 20,000; the issue's size is 100,000)
//   --rate R       CAMPAIGN_SEND_RATE, messages per second per sender (default 50)
//   --load L       signed inbound SMS webhooks per second, open loop (default 200)
//   --seconds S    length of each measured phase (default 20)
//   --timeline     also print each phase second by second (latency beside what the hub did then)
//   --profile DIR  write a V8 CPU profile of the hub to DIR and print each phase's share of it (and
//                  of the campaign phase's seconds from its first send on: the sending seconds)
//   --from-first-send  start the campaign before the campaign phase and begin that phase once the
//                  first campaign send reached the stand-in: the phase measures sending seconds only
//                  (the start, the insert and the decide phase, measured without it, are left out)
//   --split        two hub processes, as a deployment may run them: the webhooks' (RUN_WORKERS=false,
//                  measured and profiled as "the hub") and the workers' (triage, sends, campaign
//                  planning), its CPU and event loop printed beside; not how the README deploys it
//   --own-session  each hub process in a session of its own (see "Reading it" on autogroups)
//   --statements   count what the hub asks of PostgreSQL and Redis (scripts/lib/statement-probe.mjs)
//                  and print it per phase, and per campaign send for the sending seconds
//   --sources      run the hub from src/ through tsx instead of the compiled dist/
//   --keep         leave the hub's database in place (printed) instead of dropping it
// The npm script compiles first (tsc -p tsconfig.build.json); `npx tsx scripts/bench-campaign-load.ts`
// runs whatever dist/ holds. About 2 minutes at 20,000 contacts, 4 at 100,000 (seeding takes 20 s).
//
// Issue 16's last performance promise: while a campaign sends, inbound SMS webhooks keep a p99
// under 100 ms at 200/s, and no sender goes above its configured rate. What runs:
// - a Twilio stand-in (test/support/twilio-stand-in.ts) in this process, recording when each send
//   reached it and from which sender (the hub has one SMS sender, TWILIO_FROM_NUMBER: a Messaging
//   Service or a pool of numbers would each be a sender and be reported apart);
// - the hub as its own process (dist/src/main.js as `npm start` runs it, NODE_ENV=production,
//   workers on: triage, sends, campaign planning and sending) on a fresh PostgreSQL database of
//   TEST_DATABASE_URL's server and the local Redis under a queue prefix of its own, with
//   scripts/lib/event-loop-probe.mjs preloaded (its event loop's delay, utilization, CPU and GC
//   every 250 ms, to a file this script reads);
// - CONTACTS adults with an SMS number, a marketing opt-in and a time zone where it is midday
//   (no quiet-hour deferral), written straight in SQL, and a draft campaign (recall-outreach) to them.
// Then, measured:
// 1. warm-up: 3 s of webhooks (not counted), and the triage backlog drained;
// 2. BASELINE: webhooks from those contacts (random ones) at LOAD/s for SECONDS, no campaign. Open
//    loop: each is sent at its due time whatever happened to the earlier ones, on keep-alive
//    connections, and its latency counts from its due time to the end of the answer, so queueing
//    shows (no coordinated omission);
// 3. triage backlog drained again, then CAMPAIGN: the campaign is started at the start of the same
//    load for SECONDS more, so the start, the run's insert of the recipients and its batches count.
// Printed for both phases: p50/p95/p99/max latency, errors, achieved rate, whether every acknowledged
// webhook was stored (its MessageSid in the messages table), and what the hub did meanwhile:
// - its event loop (longest delay, utilization), CPU (all threads: % of one core), GC pauses;
// - the CPU of the PostgreSQL backends serving its database (from /proc), busy connections and
//   their wait events, the statements running (a sampling profile: share of 100 ms samples), lock
//   waits with the statement the blocker ran last, and the longest open transactions;
// - the load generator's own event-loop stalls (they count in the latencies; it runs in a child process,
//   scripts/lib/webhook-load-process.ts, apart from the stand-in and the PostgreSQL sampling).
// For the campaign phase also: how long the start took, the latencies before and after it was
// answered, and per sender at the stand-in the campaign's sends, their average rate and the most in
// any 1 s window (sliding) against the rate, and the same for every send from that number.
// Reading it: on a shared machine, compare the two phases of one run. With the kernel's autogroup
// scheduling (/proc/sys/kernel/sched_autogroup_enabled = 1) the CPU is shared per session: the hub,
// its workers' process (--split) and this load generator share one session's share, so while other
// sessions keep the cores busy the hub gets a fraction of a core however it is niced (its CPU line
// against its event loop's utilization shows it), and every latency measures that. When the hub's CPU share is
// far below what its work needs (load average well above the core count), both phases queue and
// the figures measure the machine; the CPU and PostgreSQL lines say where the campaign's extra work
// went. Bounded in time; it drops its database, Redis keys and probe file at the end.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { JOB_QUEUE_NAMES } from '../src/platform/queues/queue-names';
import { hubEnv, startHubProcess } from '../test/support/hub-process';
import { createTestDatabase } from '../test/support/test-database';
import { middayTimeZone, testRedisUrl } from '../test/support/test-hub';
import { accountSid } from '../test/support/twilio-signing';
import { TwilioStandIn } from '../test/support/twilio-stand-in';
import { type ProfileShare, type ProfileSummary, summarizeCpuProfile } from './lib/cpu-profile-summary';
import {
  BENCH_CLINIC_NUMBER as CLINIC_NUMBER,
  type LoadResult,
  BENCH_PUBLIC_URL as PUBLIC_URL,
  postAtRateApart,
  signedWebhooks,
} from './lib/signed-webhooks';

const { values: options } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '50' },
    load: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    sources: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'from-first-send': { type: 'boolean', default: false },
    statements: { type: 'boolean', default: false },
    split: { type: 'boolean', default: false },
    'own-session': { type: 'boolean', default: false },
  },
});
const CONTACTS = Math.max(100, Number(options.contacts));
const SEND_RATE = Number(options.rate);
const LOAD = Number(options.load);
const SECONDS = Number(options.seconds);
const ADMIN = { email: 'bench@clinic.test', password: randomBytes(12).toString('hex') };
const TARGET_P99_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The most timestamps (ms, sorted) within any window of `ms` milliseconds, sliding. */
function maxInWindow(sorted: number[], ms: number): number {
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= ms) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

interface ProbeLine {
  t: number;
  delayMaxMs: number;
  delayP99Ms: number;
  elu: number;
  cpuMs: number;
  gc: { count: number; totalMs: number; maxMs: number };
  heapMb: number;
}

function probeLines(file: string, from: number, to: number): ProbeLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeLine)
    .filter((line) => line.t > from && line.t <= to + 250);
}

interface PgSample {
  t: number;
  busy: number;
  waits: Record<string, number>;
  /** Each connection waiting on a lock: `its statement <- the statement its blocker ran last`. */
  lockWaits: string[];
  /** The statements running (not idle in a transaction): a sampling profile of PostgreSQL's work. */
  running: string[];
  /** The oldest open transaction: its age (ms) and the statement it ran last. */
  oldest?: { ms: number; query: string };
}

/** A statement's first words, whitespace folded: enough to tell which code ran it. */
const statementOf = (query: string) => query.replace(/\s+/g, ' ').trim().slice(0, 70);

/**
 * Every 100 ms, the hub's PostgreSQL connections that are not idle (running a statement, or idle in
 * a transaction), what each waits on, who blocks those waiting on a lock, and the oldest open
 * transaction: a pool whose every connection is busy makes requests queue, and a row lock held by a
 * long transaction stops whatever needs that row.
 */
function samplePostgres(client: pg.Client, database: string) {
  const samples: PgSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{
        pid: number;
        state: string;
        wait: string;
        xact_ms: number | null;
        query: string;
        blockers: number[];
      }>(
        `select pid, state, coalesce(wait_event_type || ':' || wait_event, 'cpu') as wait,
                (extract(epoch from clock_timestamp() - xact_start) * 1000)::float8 as xact_ms,
                query, pg_blocking_pids(pid) as blockers
           from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state <> 'idle'`,
        [database],
      );
      const byPid = new Map(rows.map((row) => [row.pid, row]));
      const sample: PgSample = { t: Date.now(), busy: rows.length, waits: {}, lockWaits: [], running: [] };
      for (const row of rows) {
        const key = row.state === 'active' ? row.wait : row.state;
        sample.waits[key] = (sample.waits[key] ?? 0) + 1;
        if (row.state === 'active') sample.running.push(statementOf(row.query));
        if (row.wait.startsWith('Lock:')) {
          const blocker = byPid.get(row.blockers[0] ?? -1);
          sample.lockWaits.push(
            `${statementOf(row.query)} <- ${blocker ? `(${blocker.state}) ${statementOf(blocker.query)}` : '?'}`,
          );
        }
        if (row.xact_ms !== null && row.xact_ms > (sample.oldest?.ms ?? -1)) {
          sample.oldest = { ms: row.xact_ms, query: statementOf(row.query) };
        }
      }
      samples.push(sample);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** The most frequent lock waits of a phase, and its longest transactions, as report lines. */
function lockReport(pgSamples: PgSample[]): string {
  const counts = new Map<string, number>();
  for (const s of pgSamples) for (const w of s.lockWaits) counts.set(w, (counts.get(w) ?? 0) + 1);
  const waits = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([w, n]) => `\n    in ${n} samples: ${w}`)
    .join('');
  const longest = pgSamples
    .flatMap((s) => (s.oldest ? [s.oldest] : []))
    .sort((a, b) => b.ms - a.ms)
    .filter((o, i, all) => all.findIndex((x) => x.query === o.query) === i)
    .slice(0, 3)
    .map((o) => `\n    ${o.ms.toFixed(0)} ms, last statement: ${o.query}`)
    .join('');
  const running = new Map<string, number>();
  for (const s of pgSamples) for (const q of s.running) running.set(q, (running.get(q) ?? 0) + 1);
  const statements = [...running]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([q, n]) => `\n    ${((100 * n) / Math.max(1, pgSamples.length)).toFixed(0).padStart(3)} %  ${q}`)
    .join('');
  return `  statements running (share of samples)${statements || ' none'}
  lock waits       ${waits || 'none seen'}
  longest transactions${longest || ' none'}`;
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s); 0 once gone. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The CPU the PostgreSQL backends of the hub's database use from now until `stop()`: what the hub
 * costs the server, which the hub's own CPU figure leaves out. Backends that connect meanwhile count
 * whole; one that ends meanwhile is lost (the hub's pool keeps its connections).
 */
async function postgresCpu(client: pg.Client, database: string) {
  const backends = async () =>
    (
      await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      )
    ).rows.map((r) => r.pid);
  const before = new Map((await backends()).map((pid) => [pid, cpuSecondsOf(pid)]));
  return {
    async stop(): Promise<number> {
      let seconds = 0;
      for (const pid of await backends()) seconds += cpuSecondsOf(pid) - (before.get(pid) ?? 0);
      return seconds;
    },
  };
}

/** Waits until the hub's triage queue holds nothing (or `ms` passes): a phase starts on a quiet hub. */
async function drainTriage(queue: Queue, ms = 120_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
    const left = Object.values(counts).reduce((a, b) => a + b, 0);
    if (left === 0 || performance.now() - started > ms) return left;
    await sleep(250);
  }
}

/** The latencies of the webhooks due before `at` and of those due after it, side by side. */
function splitAt(load: LoadResult, at: number): string {
  const part = (xs: { ms: number }[]) => {
    const sorted = xs.map((x) => x.ms).sort((a, b) => a - b);
    return `${sorted.length} webhooks, p50 ${fmt(percentile(sorted, 50))}, p99 ${fmt(percentile(sorted, 99))}`;
  };
  return `while the start was answered: ${part(load.timed.filter((r) => r.at < at))}; after: ${part(load.timed.filter((r) => r.at >= at))}`;
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : '-');

function report(
  name: string,
  load: LoadResult,
  probe: ProbeLine[],
  pgSamples: PgSample[],
  pgCpuShare: number,
) {
  const l = load.latencies;
  const waits: Record<string, number> = {};
  for (const s of pgSamples) for (const [k, n] of Object.entries(s.waits)) waits[k] = (waits[k] ?? 0) + n;
  const topWaits = Object.entries(waits)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, n]) => `${k} ${(n / Math.max(1, pgSamples.length)).toFixed(2)}`)
    .join(', ');
  const seconds = (probe.length * 250) / 1000 || 1;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const verdict =
    name === 'campaign' ? (percentile(l, 99) < TARGET_P99_MS ? ' (under 100 ms)' : ' (OVER 100 ms)') : '';
  return `${name}:
  webhooks         ${l.length} sent, 2xx ${load.ok.length}, failed ${load.failed}, achieved ${(load.ok.length / load.elapsed).toFixed(0)}/s
  latency          p50 ${fmt(percentile(l, 50))}, p95 ${fmt(percentile(l, 95))}, p99 ${fmt(percentile(l, 99))}${verdict}, max ${fmt(l.at(-1) ?? Number.NaN)}
  hub event loop   delay max ${fmt(Math.max(...probe.map((p) => p.delayMaxMs)))}, utilization mean ${(mean(probe.map((p) => p.elu)) * 100).toFixed(0)} %, CPU ${(probe.reduce((a, p) => a + p.cpuMs, 0) / 10 / seconds).toFixed(0)} % of a core (all threads)
  hub GC           ${probe.reduce((a, p) => a + p.gc.count, 0)} pauses, ${probe.reduce((a, p) => a + p.gc.totalMs, 0).toFixed(0)} ms in all, longest ${fmt(Math.max(...probe.map((p) => p.gc.maxMs)))}, heap up to ${Math.max(...probe.map((p) => p.heapMb)).toFixed(0)} MiB
  PostgreSQL       its backends for the hub's database used ${(pgCpuShare * 100).toFixed(0)} % of a core
                   busy connections mean ${mean(pgSamples.map((s) => s.busy)).toFixed(2)}, max ${Math.max(...pgSamples.map((s) => s.busy))}; per sample: ${topWaits || 'none'}
${lockReport(pgSamples)}
  load generator   (a process of its own) its event loop stalled up to ${fmt(load.generatorStallMs)}`;
}

/**
 * One line a second of a phase: its webhooks' p99 and max latency (by due time), and what the hub
 * and PostgreSQL did in that second, and the sends that reached the stand-in: a spike in the
 * latency shows beside what caused it.
 */
function timeline(
  phase: { from: number; load: LoadResult; probe: ProbeLine[]; pgSamples: PgSample[] },
  sends: number[],
): string {
  const seconds = Math.ceil((Math.max(...phase.load.timed.map((r) => r.at), phase.from) - phase.from) / 1000);
  const lines = ['  s   p99 ms   max ms | loop max ms  ELU  CPU %  GC ms | PG busy | sends'];
  for (let i = 0; i < seconds; i++) {
    const from = phase.from + i * 1000;
    const inSecond = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= from && x.t < from + 1000);
    const latencies = phase.load.timed
      .filter((r) => r.at >= from && r.at < from + 1000)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    const probe = inSecond(phase.probe.map((p) => ({ ...p, t: p.t - 250 })));
    const pgSamples = inSecond(phase.pgSamples);
    const sent = sends.filter((t) => t >= from && t < from + 1000).length;
    const cell = (x: number, width: number, digits = 0) => x.toFixed(digits).padStart(width);
    lines.push(
      `${cell(i, 3)} ${cell(percentile(latencies, 99), 8)} ${cell(latencies.at(-1) ?? Number.NaN, 8)} | ${cell(
        Math.max(0, ...probe.map((p) => p.delayMaxMs)),
        11,
      )} ${cell((probe.reduce((a, p) => a + p.elu, 0) / Math.max(1, probe.length)) * 100, 4)} ${cell(
        probe.reduce((a, p) => a + p.cpuMs, 0) / 10,
        6,
      )} ${cell(
        probe.reduce((a, p) => a + p.gc.totalMs, 0),
        6,
      )} | ${cell(pgSamples.reduce((a, p) => a + p.busy, 0) / Math.max(1, pgSamples.length), 7, 1)} | ${cell(sent, 5)}`,
    );
  }
  return lines.join('\n');
}

interface StatementLine {
  t: number;
  sql: Record<string, [number, number]>;
  redis: Record<string, number>;
}

/**
 * What the hub asked of PostgreSQL and Redis within [from, to) (statement-probe.mjs): the statements
 * that took the most time (count, total ms from call to answer, per send when `sends` > 0) and the
 * most frequent Redis commands.
 */
function statementReport(files: string[], from: number, to: number, sends: number): string {
  const lines = files
    .filter((file) => fs.existsSync(file))
    .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as StatementLine)
    .filter((line) => line.t > from && line.t <= to);
  if (lines.length === 0) return '  (no statement probe lines)';
  // One line a second from each process.
  const seconds = Math.max(1, Math.round((to - from) / 1000));
  const sqlTotals = new Map<string, [number, number]>();
  const redisTotals = new Map<string, number>();
  for (const line of lines) {
    for (const [k, [n, ms]] of Object.entries(line.sql)) {
      const entry = sqlTotals.get(k) ?? [0, 0];
      sqlTotals.set(k, [entry[0] + n, entry[1] + ms]);
    }
    for (const [k, n] of Object.entries(line.redis)) redisTotals.set(k, (redisTotals.get(k) ?? 0) + n);
  }
  const perSend = (n: number) => (sends > 0 ? ` ${(n / sends).toFixed(2).padStart(6)}/send` : '');
  const allSql = [...sqlTotals.values()].reduce((a, [n]) => a + n, 0);
  const allRedis = [...redisTotals.values()].reduce((a, n) => a + n, 0);
  const sqlLines = [...sqlTotals]
    .sort((a, b) => b[1][1] - a[1][1])
    .slice(0, 30)
    .map(
      ([k, [n, ms]]) =>
        `    ${(n / seconds).toFixed(1).padStart(7)}/s${perSend(n)} ${(ms / n).toFixed(1).padStart(6)} ms each  ${k}`,
    );
  const redisLines = [...redisTotals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, n]) => `    ${(n / seconds).toFixed(1).padStart(7)}/s${perSend(n)}  ${k}`);
  return `  SQL statements   ${(allSql / seconds).toFixed(0)}/s${perSend(allSql)} over ${seconds} s; by time spent:
${sqlLines.join('\n')}
  Redis commands   ${(allRedis / seconds).toFixed(0)}/s${perSend(allRedis)}; most frequent:
${redisLines.join('\n')}`;
}

function profileReport(name: string, summary: ProfileSummary): string {
  const share = (xs: ProfileShare[]) =>
    xs.map((x) => `    ${x.ms.toFixed(0).padStart(6)} ms  ${x.what}`).join('\n');
  return `${name}: ${summary.totalMs.toFixed(0)} ms of the hub's main thread busy (idle left out)
  by place:
${share(summary.byPlace)}
  by function (self time):
${share(summary.byFunction)}`;
}

async function main() {
  const database = await createTestDatabase();
  const databaseName = new URL(database.url).pathname.slice(1);
  const twilio = new TwilioStandIn(accountSid(), randomBytes(16).toString('hex'));
  await twilio.start();
  const redisUrl = testRedisUrl();
  const queuePrefix = `careline-bench-campaign-${process.pid}`;
  const probeFile = path.join(os.tmpdir(), `careline-loop-probe-${process.pid}.jsonl`);
  const statementFile = path.join(os.tmpdir(), `careline-statement-probe-${process.pid}.jsonl`);
  const workerProbeFile = path.join(os.tmpdir(), `careline-loop-probe-${process.pid}-workers.jsonl`);
  const workerStatementFile = path.join(os.tmpdir(), `careline-statement-probe-${process.pid}-workers.jsonl`);
  const env = hubEnv(
    {
      publicUrl: PUBLIC_URL,
      databaseUrl: database.url,
      redisUrl,
      queuePrefix,
      admin: ADMIN,
      twilio,
      fromNumber: CLINIC_NUMBER,
    },
    { NODE_ENV: 'production', CLINIC_TIME_ZONE: middayTimeZone(), CAMPAIGN_SEND_RATE: String(SEND_RATE) },
  );
  const probes = (loopFile: string, sqlFile: string) => ({
    env: {
      EVENT_LOOP_PROBE_FILE: loopFile,
      ...(options.statements ? { STATEMENT_PROBE_FILE: sqlFile } : {}),
    },
    nodeArgs: [
      '--import',
      path.join(__dirname, 'lib', 'event-loop-probe.mjs'),
      ...(options.statements ? ['--import', path.join(__dirname, 'lib', 'statement-probe.mjs')] : []),
      ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.profile)}`] : []),
    ],
  });
  const webProbes = probes(probeFile, statementFile);
  const hub = await startHubProcess(
    { ...env, RUN_WORKERS: options.split ? 'false' : 'true', ...webProbes.env },
    120_000,
    { compiled: !options.sources, nodeArgs: webProbes.nodeArgs, ownSession: options['own-session'] },
  );
  // Started after the first has migrated the database and created the admin.
  const workerProbes = probes(workerProbeFile, workerStatementFile);
  const workerHub = options.split
    ? await startHubProcess({ ...env, RUN_WORKERS: 'true', ...workerProbes.env }, 120_000, {
        compiled: !options.sources,
        nodeArgs: workerProbes.nodeArgs,
        ownSession: options['own-session'],
      })
    : undefined;
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const sampler = new pg.Client({ connectionString: database.url });
  await sampler.connect();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const triageQueue = new Queue(JOB_QUEUE_NAMES.inboundTriage, { connection: redis, prefix: queuePrefix });
  try {
    const [org] = (await db.query<{ id: string }>('select id from organizations limit 1')).rows;
    const zone = middayTimeZone();
    const started = performance.now();
    await db.query(
      `insert into contacts (org_id, display_name, date_of_birth, language, time_zone, tags)
       select $1, 'Patient ' || g, date '1950-01-01', 'en', $3, '["bench"]'::jsonb
       from generate_series(1, $2) g`,
      [org!.id, CONTACTS, zone],
    );
    await db.query(
      `insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'phone', '+1415' || (2000000 + row_number() over (order by created_at, id))::text
       from contacts where org_id = $1`,
      [org!.id],
    );
    await db.query(
      `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
       select $1, id, 'sms', 'marketing', 'opted_in', 'bench' from contacts where org_id = $1`,
      [org!.id],
    );
    await db.query('analyze contacts, contact_identities, consent_ledger');
    const seedSeconds = (performance.now() - started) / 1000;

    const api = async (method: string, route: string, body?: object, token?: string) => {
      const res = await fetch(`${hub.url}/api/v1${route}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const { token } = (await api('POST', '/auth/login', ADMIN)) as { token: string };
    const { id: campaignId } = (await api(
      'POST',
      '/campaigns',
      {
        name: 'Bench',
        template: 'recall-outreach',
        audience: { filter: { tags: ['bench'], ageMin: 65 } },
        variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/x' },
      },
      token,
    )) as { id: string };

    const phase = async (name: string, during?: () => Promise<void>) => {
      const webhooks = signedWebhooks(Math.round(LOAD * SECONDS), CONTACTS, twilio);
      const pgCpu = await postgresCpu(db, databaseName);
      const pgSampling = samplePostgres(sampler, databaseName);
      const from = Date.now();
      const [load] = await Promise.all([postAtRateApart(hub.url, webhooks, LOAD), during?.()]);
      const to = Date.now();
      const pgSamples = await pgSampling.stop();
      const pgCpuShare = (await pgCpu.stop()) / ((to - from) / 1000);
      return { name, load, from, to, probe: probeLines(probeFile, from, to), pgSamples, pgCpuShare };
    };

    console.error(`seeded ${CONTACTS} contacts in ${seedSeconds.toFixed(1)} s; warm-up ...`);
    await postAtRateApart(hub.url, signedWebhooks(LOAD * 3, CONTACTS, twilio), LOAD);
    const leftBeforeBaseline = await drainTriage(triageQueue);
    console.error(`baseline: ${LOAD}/s for ${SECONDS} s, no campaign ...`);
    const baseline = await phase('baseline');
    const leftBeforeCampaign = await drainTriage(triageQueue);
    const sendsBefore = twilio.messages.length;
    let startSeconds = 0;
    let startedUntil = 0;
    const start = async () => {
      const t = performance.now();
      await api('POST', `/campaigns/${campaignId}/start`, {}, token);
      startSeconds = (performance.now() - t) / 1000;
      startedUntil = Date.now();
    };
    let firstSendWait = 0;
    if (options['from-first-send']) {
      console.error('campaign started; waiting for its first send (no webhooks meanwhile) ...');
      const t = performance.now();
      await start();
      while (twilio.messages.length === sendsBefore && performance.now() - t < 300_000) await sleep(100);
      firstSendWait = (performance.now() - t) / 1000;
      await drainTriage(triageQueue);
    }
    console.error(
      `campaign: ${LOAD}/s for ${SECONDS} s, ${options['from-first-send'] ? 'the campaign sending' : 'the campaign started at once'} ...`,
    );
    const during = await phase('campaign', options['from-first-send'] ? undefined : start);
    const sendsDuring = twilio.messages.slice(sendsBefore);

    // Every acknowledged webhook must be in the store (intake commits before it answers).
    const stored = async (sids: string[]) =>
      (
        await db.query<{ n: number }>(
          `select count(*)::int as n from messages where direction = 'inbound' and provider_message_id = any($1)`,
          [sids],
        )
      ).rows[0]!.n;
    // The campaign's own sends, told apart from any other send of the same number by provider id.
    const campaignSids = new Set(
      (
        await db.query<{ sid: string }>(
          `select provider_message_id as sid from messages where campaign_id = $1 and direction = 'outbound'
             and provider_message_id is not null`,
          [campaignId],
        )
      ).rows.map((r) => r.sid),
    );
    const bySender = new Map<string, { campaign: number[]; all: number[] }>();
    for (const m of sendsDuring) {
      const sender = String(m.params.MessagingServiceSid ?? m.params.From ?? '?');
      const entry = bySender.get(sender) ?? { campaign: [], all: [] };
      entry.all.push(m.createdAt.getTime());
      if (campaignSids.has(m.sid)) entry.campaign.push(m.createdAt.getTime());
      bySender.set(sender, entry);
    }
    const senderLines = [...bySender].map(([sender, { campaign, all }]) => {
      const most = maxInWindow(campaign, 1000);
      const span = campaign.length > 1 ? (campaign.at(-1)! - campaign[0]!) / 1000 : 0;
      return `  ${sender.replace(/\d{4}$/, 'xxxx')}: ${campaign.length} campaign sends, ${(campaign.length / Math.max(span, 1e-9)).toFixed(1)}/s on average, at most ${most} in any 1 s window (rate ${SEND_RATE}: ${most <= SEND_RATE ? 'never above' : 'ABOVE'}); all sends from it: ${all.length}, at most ${maxInWindow(all, 1000)} in 1 s`;
    });

    const campaignSendTimes = [...bySender.values()].flatMap((s) => s.campaign).sort((a, b) => a - b);
    // The sending seconds: from the phase's first campaign send at the stand-in to its end.
    const sendingFrom = campaignSendTimes[0] ?? during.to;
    const sendsInWindow = campaignSendTimes.filter((t) => t >= sendingFrom && t < during.to).length;
    const sendingLoad: LoadResult = {
      ...during.load,
      timed: during.load.timed.filter((r) => r.at >= sendingFrom),
      latencies: during.load.timed
        .filter((r) => r.at >= sendingFrom)
        .map((r) => r.ms)
        .sort((a, b) => a - b),
    };
    const sendingSeconds = (during.to - sendingFrom) / 1000;
    const sending =
      sendingLoad.latencies.length > 0
        ? `\n${report(
            'sending seconds',
            sendingLoad,
            during.probe.filter((p) => p.t > sendingFrom),
            during.pgSamples.filter((p) => p.t >= sendingFrom),
            during.pgCpuShare,
          ).replace(
            /webhooks .*\n/,
            `webhooks         ${sendingLoad.latencies.length} due from the first campaign send on (${sendingSeconds.toFixed(1)} s, ${sendsInWindow} campaign sends: ${(sendsInWindow / Math.max(sendingSeconds, 1e-9)).toFixed(1)}/s; PostgreSQL's CPU is the whole phase's)\n`,
          )}`
        : '';
    const statementFiles = options.split ? [statementFile, workerStatementFile] : [statementFile];
    const statements = options.statements
      ? `\nWhat the hub asked of PostgreSQL and Redis:\nbaseline:\n${statementReport(statementFiles, baseline.from, baseline.to, 0)}\nsending seconds:\n${statementReport(statementFiles, sendingFrom, during.to, sendsInWindow)}\n`
      : '';
    // Stopped now, so that its CPU profile (--profile) is written and read below.
    await Promise.all([hub.stop(), workerHub?.stop()]);
    const exitedAt = Date.now();
    let profiles = '';
    if (options.profile) {
      const dir = path.resolve(options.profile);
      // A process's main-thread profile (CPU.<date>.<time>.<pid>.<thread>.<n>, thread 0): the triage
      // thread inherits --cpu-prof and writes one of its own.
      const profileOf = (pid: number | undefined) =>
        fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.0.`))
          .map((f) => path.join(dir, f))[0];
      const summaries = (file: string, phases: { name: string; from: number; to: number }[]) =>
        phases
          .map((p) => profileReport(p.name, summarizeCpuProfile(file, exitedAt, p.from, p.to)))
          .join('\n');
      const sendingPhase = {
        name: `sending seconds (${sendsInWindow} sends)`,
        from: sendingFrom,
        to: during.to,
      };
      const web = profileOf(hub.child.pid);
      if (web) {
        profiles = `\nCPU profile of the hub (${web}):\n${summaries(web, [baseline, during, sendingPhase])}\n`;
      }
      const workers = workerHub && profileOf(workerHub.child.pid);
      if (workers) {
        profiles += `\nCPU profile of the workers' process (${workers}):\n${summaries(workers, [sendingPhase])}\n`;
      }
    }
    const timelines = options.timeline
      ? `\nbaseline, second by second:\n${timeline(baseline, [])}\n\ncampaign, second by second (campaign sends at the stand-in):\n${timeline(during, campaignSendTimes)}\n`
      : '';
    // The workers' process (--split): its CPU and event loop per phase.
    const workerLine = (from: number, to: number) => {
      if (!workerHub) return '';
      const lines = probeLines(workerProbeFile, from, to);
      const seconds = (lines.length * 250) / 1000 || 1;
      const elu = lines.reduce((a, p) => a + p.elu, 0) / Math.max(1, lines.length);
      return `\n  workers' process  CPU ${(lines.reduce((a, p) => a + p.cpuMs, 0) / 10 / seconds).toFixed(0)} % of a core (all threads), event loop delay max ${fmt(Math.max(0, ...lines.map((p) => p.delayMaxMs)))}, utilization mean ${(elu * 100).toFixed(0)} %`;
    };
    const uptime = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const cpus = os.cpus();
    console.log(`
Machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at the end ${uptime}
Hub: own process (${options.sources ? 'tsx src/main.ts' : 'dist/src/main.js'}, NODE_ENV=production, ${options.split ? 'RUN_WORKERS=false; the workers in a second process' : 'workers on'}), PostgreSQL and Redis on this machine; Twilio stand-in in this process, load generator in a child process.
Contacts ${CONTACTS} (seeded in ${seedSeconds.toFixed(1)} s), CAMPAIGN_SEND_RATE ${SEND_RATE}/s per sender, webhooks ${LOAD}/s open loop for ${SECONDS} s per phase.
Triage jobs still queued when a phase began: baseline ${leftBeforeBaseline}, campaign ${leftBeforeCampaign}.

${report('baseline', baseline.load, baseline.probe, baseline.pgSamples, baseline.pgCpuShare)}${workerLine(baseline.from, baseline.to)}
  stored           ${await stored(baseline.load.ok)} of ${baseline.load.ok.length} acknowledged

${report('campaign', during.load, during.probe, during.pgSamples, during.pgCpuShare)}${workerLine(during.from, during.to)}
  stored           ${await stored(during.load.ok)} of ${during.load.ok.length} acknowledged
  campaign start   answered in ${startSeconds.toFixed(2)} s (the audience counted; the run inserts its rows); sends at the stand-in during the phase: ${sendsDuring.length}
  split            ${options['from-first-send'] ? `started before the phase (first send ${firstSendWait.toFixed(1)} s after the start)` : splitAt(during.load, startedUntil)}
${senderLines.join('\n') || '  no sends reached the stand-in'}
${sending}
${timelines}${statements}${profiles}`);
    if (options.keep) console.log(`database kept: ${database.url}`);
  } finally {
    await triageQueue.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    await sampler.end().catch(() => undefined);
    await hub.stop();
    await workerHub?.stop();
    await twilio.stop();
    // What the hub left in Redis under its prefix (thousands of campaign sends no worker took).
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    if (!options.keep) await database.drop();
    fs.rmSync(probeFile, { force: true });
    for (const file of [statementFile, workerProbeFile, workerStatementFile])
      fs.rmSync(file, { force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
