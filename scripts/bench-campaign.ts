// Usage: npm run bench:campaign [-- CONTACTS [BATCH [BASELINE [RELEASE]]]]
//   CONTACTS (default 2,000; the issue's target is 100,000), BATCH recipients released per
//   transaction (default 1,000), BASELINE recipients first planned one at a time (default 400),
//   RELEASE recipients released after the decide phase (default all of them).
// A campaign's preview and planning on a fresh PostgreSQL database: CONTACTS seniors with an SMS
// number and a marketing opt-in, written straight in SQL. Then, timed:
// - the baseline, the per-recipient shape the bulk path replaced: planOutbound's dry run for
//   BASELINE recipients, eight at a time (the old preview), and the planning of the first BASELINE
//   recipients in batches of one (a transaction and the policy's queries per recipient);
// - the preview through the API (recipients grouped by their policy inputs in SQL);
// - the start (it counts the audience) and the run's insert of the recipients' rows in paced pages;
// - the decide phase a run starts with (decideCampaignRecipients) over all the other recipients:
//   policy decision per group, outcome written per recipient (skipped with its reason, or ready with
//   channel and due time), with the memory growth;
// - the release of RELEASE of them in batches of BATCH (planRecipients, as the run's window loop
//   calls it: decided again, message, conversation, audit rows, recipient marks, jobs on the campaign
//   queue), with where its time went: the decisions (policy inputs read, decided, rendered), the
//   transaction that writes the rows, the jobs. Before the decide phase existed this was the planning
//   of every recipient, so its rate is the same-run figure of the old planning;
// - the whole planning, decide phase and release together (the issue's figure when RELEASE is all of
//   them: policy decision, rendering, outbox rows and jobs), with the memory growth over both.
// No worker runs, so nothing is sent and the throttle does not pace the release. The database is
// TEST_DATABASE_URL's server (default local). The contacts live in Etc/GMT, so outside 08:00–21:00
// UTC they are decided ready for their morning and their messages deferred when released (and get no
// job); BENCH_AWAKE=1 puts them where it is midday, so every message gets its job.
// BENCH_OPT_OUT_EVERY=N opts every Nth contact out again, so the decide phase writes skips too.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { insertRecipients } from '../src/campaigns/campaign-audience';
import { decideCampaignRecipients } from '../src/campaigns/campaign-decide';
import { planRecipients } from '../src/campaigns/campaign-planner';
import { campaignSendRequest } from '../src/campaigns/campaign-request';
import { initCampaignSendQueue } from '../src/campaigns/campaign-send-worker';
import { planOutbound } from '../src/outbound/outbound-service';
import { campaigns } from '../src/platform/db/campaign-schema';
import { queryRows } from '../test/support/test-database';
import { middayTimeZone, startTestHub } from '../test/support/test-hub';

const count = Math.max(10, Number(process.argv[2] ?? 2000) || 2000);
const batchSize = Math.max(1, Number(process.argv[3] ?? 1000) || 1000);
const baselineCount = Math.min(Math.floor(count / 2), Math.max(0, Number(process.argv[4] ?? 400) || 0));
const releaseCount =
  process.argv[5] === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Number(process.argv[5]) || 0);
const optOutEvery = Math.max(0, Number(process.env.BENCH_OPT_OUT_EVERY ?? 0) || 0);
const rate = (n: number, seconds: number) =>
  `${Math.round(n / seconds).toLocaleString('en-US')} recipients/s`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const timeZone = process.env.BENCH_AWAKE === '1' ? middayTimeZone() : 'Etc/GMT';

/**
 * CPU ticks per PostgreSQL backend serving `url`'s database, read from /proc: only where the server
 * runs on this machine (as the bench's default does), else an empty map.
 */
async function backendTicks(url: string): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  try {
    const rows = await queryRows<{ pid: number }>(
      url,
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime and stime, fields 14 and 15 of the whole line.
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    return new Map();
  }
  return ticks;
}

/** PostgreSQL's CPU seconds between two readings (at 100 ticks a second), or undefined when unknown. */
function backendSeconds(before: Map<number, number>, after: Map<number, number>): string {
  if (after.size === 0) return 'unknown';
  let total = 0;
  for (const [pid, t] of after) total += t - (before.get(pid) ?? 0);
  return `${(total / 100).toFixed(2)} s`;
}

async function main() {
  const t = await startTestHub({ runWorkers: false });
  try {
    const url = t.database.url;
    const orgId = t.hub.org.id;
    // Contacts, their numbers (+1 555 01xx xxxx, unique) and their opt-ins, in three statements.
    await queryRows(
      url,
      `insert into contacts (org_id, display_name, date_of_birth, language, time_zone, tags)
       select $1, 'Patient ' || g, date '1950-01-01', 'en', $3, '["bench"]'::jsonb
       from generate_series(1, $2) g`,
      [orgId, count, timeZone],
    );
    await queryRows(
      url,
      `insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'phone', '+1415' || lpad((row_number() over ())::text, 7, '0') from contacts where org_id = $1`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
       select $1, id, 'sms', 'marketing', 'opted_in', 'bench' from contacts where org_id = $1`,
      [orgId],
    );
    if (optOutEvery > 0) {
      // Every Nth contact opted out later (a second ledger row): skipped consent_opted_out, with its
      // audit row, as a send's refusal.
      await queryRows(
        url,
        `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source, recorded_at)
         select $1, id, 'sms', 'marketing', 'opted_out', 'bench', now() + interval '1 second'
         from (select id, row_number() over (order by id) as n from contacts where org_id = $1) c
         where n % $2 = 0`,
        [orgId, optOutEvery],
      );
    }
    // Fresh statistics, as a database that has lived with its contacts has: without them PostgreSQL
    // takes the tables for empty and reads them whole for every lookup by id.
    await queryRows(url, 'analyze contacts, contact_identities, consent_ledger');
    const admin = await t.api();
    const created = await admin
      .post('/campaigns', {
        name: 'Bench',
        template: 'recall-outreach',
        audience: { filter: { tags: ['bench'], ageMin: 65 } },
        variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/x' },
      })
      .expect(201);
    const id = created.body.id as string;

    const [draft] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
    const contactRows = await queryRows<{ id: string; display_name: string }>(
      url,
      `select id, display_name from contacts where org_id = $1 order by id limit $2`,
      [orgId, baselineCount],
    );
    let started = performance.now();
    for (let i = 0; i < contactRows.length; i += 8) {
      await Promise.all(
        contactRows
          .slice(i, i + 8)
          .map((c) =>
            planOutbound(
              t.hub.outbound,
              campaignSendRequest(
                draft!,
                { contactId: c.id, displayName: c.display_name, attributes: {} },
                t.hub.outbound.clinic.name,
              ),
              { dryRun: true, audit: false },
            ),
          ),
      );
    }
    const baselinePreviewSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    const preview = await admin.post(`/campaigns/${id}/preview`, {}).expect(200);
    const previewSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    await admin.post(`/campaigns/${id}/start`, {}).expect(200);
    const startSeconds = (performance.now() - started) / 1000;
    // The run's first step (no workers here: this script runs each step itself).
    const [startedRow] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
    started = performance.now();
    const inserted = await insertRecipients(t.hub.database.db, startedRow!, t.hub.outbound.channels, {
      logger: t.hub.outbound.logger,
    });
    const insertSeconds = (performance.now() - started) / 1000;
    const [campaign] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
    const recipients = (
      await queryRows<{ id: string; contact_id: string; display_name: string }>(
        url,
        `select r.id, r.contact_id, c.display_name from campaign_recipients r join contacts c on c.id = r.contact_id
          where r.campaign_id = $1 order by r.id limit $2`,
        [id, baselineCount],
      )
    ).map((r) => ({
      id: Number(r.id),
      contactId: r.contact_id,
      displayName: r.display_name,
      attributes: {},
    }));
    const sendQueue = initCampaignSendQueue({
      redisUrl: t.hub.config.REDIS_URL,
      prefix: t.queuePrefix,
      concurrency: 1,
    });
    // The release's transactions and enqueues, timed where planRecipients calls them.
    const spent = { transaction: 0, enqueue: 0 };
    const timed =
      <A extends unknown[], R>(part: keyof typeof spent, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const at = performance.now();
        try {
          return await fn(...args);
        } finally {
          spent[part] += performance.now() - at;
        }
      };
    const db = t.hub.outbound.db;
    const timedDb = Object.create(db, {
      transaction: { value: timed('transaction', db.transaction.bind(db)) },
    }) as typeof db;
    const timedQueue = { ...sendQueue, add: timed('enqueue', sendQueue.add.bind(sendQueue)) };
    const deps = { outbound: { ...t.hub.outbound, sendQueue }, sendRate: 1 };
    const timedDeps = { ...deps, outbound: { ...deps.outbound, db: timedDb, sendQueue: timedQueue } };
    const baseline = recipients;
    started = performance.now();
    // One recipient per batch, eight at a time, as the old per-recipient planner ran.
    for (let i = 0; i < baseline.length; i += 8) {
      await Promise.all(baseline.slice(i, i + 8).map((r) => planRecipients(deps, campaign!, [r])));
    }
    const baselinePlanSeconds = (performance.now() - started) / 1000;

    // The decide phase over every recipient still pending (all but the baseline's).
    global.gc?.();
    const memoryBefore = process.memoryUsage();
    let cpu = process.cpuUsage();
    const cpuAtStart = cpu;
    started = performance.now();
    const planningStarted = started;
    const decided = await decideCampaignRecipients(deps, campaign!);
    const decideSeconds = (performance.now() - started) / 1000;
    cpu = process.cpuUsage(cpu);
    const memoryPeak = process.memoryUsage();
    // What the phase kept, not the garbage it left (run with --expose-gc, as npm run bench:campaign does).
    global.gc?.();
    const memoryAfter = process.memoryUsage();
    const decidedCount = decided.ready + decided.skipped;

    // The release: the ready recipients in due order, as the run's window loop takes them.
    const ready = (
      await queryRows<{ id: string; contact_id: string; display_name: string }>(
        url,
        `select r.id, r.contact_id, c.display_name from campaign_recipients r join contacts c on c.id = r.contact_id
          where r.campaign_id = $1 and r.status = 'ready' order by r.due_at, r.id limit $2`,
        // No limit (null) when every ready recipient is released.
        [id, Number.isFinite(releaseCount) ? releaseCount : null],
      )
    ).map((r) => ({
      id: Number(r.id),
      contactId: r.contact_id,
      displayName: r.display_name,
      attributes: {},
    }));
    const ticksBefore = await backendTicks(url);
    let releaseCpu = process.cpuUsage();
    started = performance.now();
    let released = 0;
    for (let i = 0; i < ready.length; i += batchSize) {
      released += (await planRecipients(timedDeps, campaign!, ready.slice(i, i + batchSize))).planned;
    }
    const releaseSeconds = (performance.now() - started) / 1000;
    releaseCpu = process.cpuUsage(releaseCpu);
    const ticksAfter = await backendTicks(url);
    const allCpu = process.cpuUsage(cpuAtStart);
    // The whole planning: decide phase, the read of the ready recipients, and the release.
    const planningSeconds = (performance.now() - planningStarted) / 1000;
    const planningPeak = process.memoryUsage();
    global.gc?.();
    const planningAfter = process.memoryUsage();
    const jobs = await sendQueue.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    await sendQueue.close();
    const [outbox] = await queryRows<{ n: string }>(
      url,
      `select count(*) as n from campaign_recipients r join messages m on m.id = r.message_id where r.campaign_id = $1`,
      [id],
    );

    console.log(
      `contacts: ${count} in ${timeZone}, batch: ${batchSize}, baseline: ${baselineCount}${optOutEvery ? `, every ${optOutEvery}th opted out` : ''}`,
    );
    if (baselineCount > 0) {
      console.log(
        `baseline, per-recipient dry run (${baselineCount}): ${baselinePreviewSeconds.toFixed(2)} s, ${rate(baselineCount, baselinePreviewSeconds)}`,
      );
      console.log(
        `baseline, planning in batches of one (${baselineCount}): ${baselinePlanSeconds.toFixed(2)} s, ${rate(baselineCount, baselinePlanSeconds)}`,
      );
    }
    console.log(
      `preview (${count}): ${previewSeconds.toFixed(2)} s, ${rate(count, previewSeconds)}, ${JSON.stringify(preview.body.byChannel)}`,
    );
    console.log(
      `start answered in ${startSeconds.toFixed(2)} s; the run inserted ${inserted.inserted} recipients' rows in ${insertSeconds.toFixed(2)} s, ${rate(inserted.inserted, insertSeconds)}`,
    );
    console.log(
      `decide phase (${decidedCount}): ${decideSeconds.toFixed(2)} s, ${rate(decidedCount, decideSeconds)}; ${decided.ready} ready (${decided.deferred} deferred), ${decided.skipped} skipped; ${decided.groups} distinct cases; grouping and deciding ${(decided.decideMs / 1000).toFixed(2)} s, writing ${(decided.writeMs / 1000).toFixed(2)} s; Node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
    );
    console.log(
      `memory growth in the decide phase: heap ${mib(memoryPeak.heapUsed - memoryBefore.heapUsed)} at the end, ${global.gc ? mib(memoryAfter.heapUsed - memoryBefore.heapUsed) : 'unknown (no --expose-gc)'} after a full GC; rss ${mib(memoryPeak.rss - memoryBefore.rss)} at the end`,
    );
    console.log(
      `release in batches of ${batchSize} (${ready.length}): ${releaseSeconds.toFixed(2)} s, ${rate(ready.length, releaseSeconds)}; ${released} planned; ${outbox!.n} outbox rows, ${jobs} send jobs in all`,
    );
    const decideSpent = releaseSeconds * 1000 - spent.transaction - spent.enqueue;
    console.log(
      `release's time: deciding and the rest ${(decideSpent / 1000).toFixed(2)} s (policy inputs, decisions, rendering), writing ${(spent.transaction / 1000).toFixed(2)} s (one transaction per batch), jobs ${(spent.enqueue / 1000).toFixed(2)} s; Node CPU ${((releaseCpu.user + releaseCpu.system) / 1e6).toFixed(2)} s, PostgreSQL CPU ${backendSeconds(ticksBefore, ticksAfter)}`,
    );
    const whole = ready.length < decided.ready ? `; released ${ready.length} of ${decided.ready} ready` : '';
    console.log(
      `planning, decide phase and release (${decidedCount}${whole}): ${planningSeconds.toFixed(2)} s, ${rate(decidedCount, planningSeconds)}; Node CPU ${((allCpu.user + allCpu.system) / 1e6).toFixed(2)} s; memory growth: heap ${mib(planningPeak.heapUsed - memoryBefore.heapUsed)} at the end, ${global.gc ? mib(planningAfter.heapUsed - memoryBefore.heapUsed) : 'unknown (no --expose-gc)'} after a full GC; rss ${mib(planningPeak.rss - memoryBefore.rss)} at the end`,
    );
  } finally {
    await t.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
