// Usage: npx tsx scripts/bench-campaign-results.ts [RECIPIENTS [RUNS]]
//   RECIPIENTS (default 100,000), RUNS timed runs of each query (default 5).
// A campaign's results at scale on a fresh PostgreSQL database (TEST_DATABASE_URL's server), all
// written straight in SQL: RECIPIENTS contacts reached by one campaign, every fifth through a secure
// link (half of those opened), a tenth replying (half of them read as `confirm`), a tenth booking
// after the message (a fifth of those cancelled), a twentieth with an appointment from before it, a
// fiftieth reached by a later campaign before booking, 1% opting out; and as many other messages
// again in the table. Then, alternating, RUNS times each:
// - baseline: the figures query as it was before linkOpened, confirmed and booked (d8694e2), with
//   JIT on (as it ran) and off; and the figures query now, alone, JIT off;
// - campaignStats, the figures of GET /campaigns/:id (grouped pass, skipped reasons, series), with
//   JIT on and off (as the route and the progress event now run it);
// and once: EXPLAIN (ANALYZE, BUFFERS) of the new figures query (JIT off), the recipients' CSV pages
// as they were queried before (baseline), and the CSV export now through the API.
import { performance } from 'node:perf_hooks';
import { eq, type SQL, sql } from 'drizzle-orm';
import request from 'supertest';
import { campaignStats } from '../src/campaigns/campaign-store';
import { campaigns } from '../src/platform/db/campaign-schema';
import type { Queryable } from '../src/platform/db/database';
import { rowsOf } from '../src/platform/db/rows';
import { withoutJit } from '../src/platform/db/without-jit';
import { queryRows } from '../test/support/test-database';
import { startTestHub } from '../test/support/test-hub';

const count = Math.max(100, Number(process.argv[2] ?? 100_000) || 100_000);
const runs = Math.max(1, Number(process.argv[3] ?? 5) || 5);

/** The figures query of campaignStats before this change (d8694e2), for the same-run baseline. */
const baselineQuery = (campaignId: string) => sql`
    select m.channel, coalesce(lower(c.language), 'unknown') as language,
      case when m.status in ('failed', 'undelivered') then coalesce(m.error_code, 'unknown') end as failed_code,
      count(*) as recipients,
      count(*) filter (where m.status in ('queued', 'sent', 'delivered', 'read')) as sent,
      count(*) filter (where m.status in ('delivered', 'read')) as delivered,
      count(*) filter (where m.status in ('failed', 'undelivered')) as failed,
      count(*) filter (where m.status = 'pending' and m.scheduled_for > now()) as deferred,
      count(*) filter (where exists (
        select 1 from messages i where i.campaign_id = r.campaign_id and i.contact_id = r.contact_id
          and i.direction = 'inbound')) as replied,
      count(*) filter (where m.id is not null and exists (
        select 1 from consent_ledger l where l.contact_id = r.contact_id and l.status = 'opted_out'
          and l.recorded_at > m.created_at)) as opted_out
    from campaign_recipients r join contacts c on c.id = r.contact_id
    left join messages m on m.id = r.message_id
    where r.campaign_id = ${campaignId}
    group by 1, 2, 3`;

/** A page of the recipients' CSV before this change (d8694e2), for the same-run baseline. */
const baselineCsvPage = (campaignId: string, after: number) => sql`
        select r.id, r.contact_id, c.external_id, r.status, r.skip_reason, m.channel, m.status as message_status,
          m.error_code, m.sent_at, m.delivered_at,
          exists (select 1 from messages i where i.campaign_id = r.campaign_id and i.contact_id = r.contact_id
            and i.direction = 'inbound') as replied
        from campaign_recipients r join contacts c on c.id = r.contact_id
        left join messages m on m.id = r.message_id
        where r.campaign_id = ${campaignId} and r.id > ${after} order by r.id limit 1000`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (values: number[]) =>
  `median ${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;

async function main() {
  const t = await startTestHub({ runWorkers: false });
  try {
    const url = t.database.url;
    const orgId = t.hub.org.id;
    const db = t.hub.database.db;
    const seed = <T extends Record<string, unknown> = Record<string, unknown>>(
      text: string,
      params: unknown[] = [],
    ) => queryRows<T>(url, text, params);
    const started = performance.now();
    await seed(
      `insert into contacts (org_id, display_name, date_of_birth, language, time_zone, external_id)
       select $1, 'Patient ' || g, date '1950-01-01', case when g % 2 = 0 then 'en' else 'es' end, 'Etc/GMT', 'B-' || g
       from generate_series(1, $2) g`,
      [orgId, count],
    );
    await seed(
      `insert into conversations (org_id, contact_id) select org_id, id from contacts where org_id = $1`,
      [orgId],
    );
    // n: each contact's number, 1..count, for the mixes below.
    await seed(
      `create table bench_people as
      select c.id as contact_id, v.id as conversation_id, (substring(c.external_id from 3))::int as n
      from contacts c join conversations v on v.contact_id = c.id where c.org_id = $1`,
      [orgId],
    );
    const [main] = await seed<{ id: string }>(
      `insert into campaigns (org_id, name, template, audience, status, run, started_at, finished_at, recipients_inserted_at)
       values ($1, 'Bench results', 'recall-outreach', '{"filter":{}}', 'completed', 1, now() - interval '2 days', now() - interval '2 days', now() - interval '2 days')
       returning id`,
      [orgId],
    );
    const [later] = await seed<{ id: string }>(
      `insert into campaigns (org_id, name, template, audience, status, run, started_at, finished_at, recipients_inserted_at)
       values ($1, 'Bench later', 'recall-outreach', '{"filter":{}}', 'completed', 1, now() - interval '36 hours', now() - interval '36 hours', now() - interval '36 hours')
       returning id`,
      [orgId],
    );
    const mainId = main!.id;
    // Every fifth: the content behind a secure link, the link (half opened), then the SMS notice.
    await seed(
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, campaign_id, body, created_at, sent_at)
       select $1, p.conversation_id, p.contact_id, 'outbound', 'securelink', 'delivered', 'system', $2, 'content ' || p.n,
         now() - interval '2 days', now() - interval '2 days'
       from bench_people p where p.n % 5 = 0`,
      [orgId, mainId],
    );
    await seed(
      `insert into secure_links (org_id, contact_id, conversation_id, token_hash, message_ids, expires_at, first_opened_at)
       select m.org_id, m.contact_id, m.conversation_id, md5(m.id::text), jsonb_build_array(m.id), now() + interval '5 days',
         case when p.n % 10 = 0 then now() - interval '1 day' end
       from messages m join bench_people p on p.contact_id = m.contact_id where m.channel = 'securelink'`,
    );
    await seed(
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, error_code, author_kind,
         campaign_id, body, channel_meta, created_at, sent_at, delivered_at)
       select $1, p.conversation_id, p.contact_id, 'outbound', 'sms',
         case when p.n % 20 = 1 then 'failed' when p.n % 7 = 0 then 'sent' else 'delivered' end,
         case when p.n % 20 = 1 then 'twilio_30006' end, 'system', $2, 'recall ' || p.n,
         case when s.id is null then '{}'::jsonb else jsonb_build_object('secureLinkId', s.id) end,
         now() - interval '2 days', now() - interval '2 days',
         case when p.n % 20 <> 1 and p.n % 7 <> 0 then now() - interval '2 days' + interval '3 seconds' end
       from bench_people p left join secure_links s on s.contact_id = p.contact_id`,
      [orgId, mainId],
    );
    await seed(
      `insert into campaign_recipients (campaign_id, contact_id, status, message_id, decided_at)
       select $1, m.contact_id, 'planned', m.id, m.created_at from messages m
       where m.campaign_id = $1 and m.channel = 'sms'`,
      [mainId],
    );
    // A fiftieth got the later campaign a day and a half ago, before their booking.
    await seed(
      `with sent as (
         insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, campaign_id,
           body, created_at, sent_at)
         select $1, p.conversation_id, p.contact_id, 'outbound', 'sms', 'delivered', 'system', $2, 'later ' || p.n,
           now() - interval '36 hours', now() - interval '36 hours'
         from bench_people p where p.n % 50 = 3
         returning id, contact_id)
       insert into campaign_recipients (campaign_id, contact_id, status, message_id)
       select $2, contact_id, 'planned', id from sent`,
      [orgId, later!.id],
    );
    // Replies from a tenth, half read as confirm; 1% opt out.
    await seed(
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, campaign_id, body, triage, created_at)
       select $1, p.conversation_id, p.contact_id, 'inbound', 'sms', 'received', 'patient', $2, 'reply',
         jsonb_build_object('intent', case when p.n % 20 = 2 then 'confirm' else 'general' end), now() - interval '1 day'
       from bench_people p where p.n % 10 = 2`,
      [orgId, mainId],
    );
    await seed(
      `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source, recorded_at)
       select $1, p.contact_id, 'sms', 'all', 'opted_out', 'bench', now() - interval '1 day'
       from bench_people p where p.n % 100 = 4`,
      [orgId],
    );
    // Bookings: a tenth after the message (a fifth of them cancelled), a twentieth before it.
    await seed(
      `insert into appointments (org_id, contact_id, starts_at, location, status, created_at)
       select $1::uuid, p.contact_id, now() + interval '5 days', 'Riverside',
         case when p.n % 50 = 13 then 'cancelled' else 'scheduled' end, now() - interval '1 day'
       from bench_people p where p.n % 10 = 3
       union all
       select $1::uuid, p.contact_id, now() + interval '1 day', 'Riverside', 'scheduled', now() - interval '20 days'
       from bench_people p where p.n % 20 = 5`,
      [orgId],
    );
    // As many other messages again (patients' conversations), so the campaign's are not the table.
    await seed(
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, body, created_at)
       select $1, p.conversation_id, p.contact_id, case when p.n % 2 = 0 then 'inbound' else 'outbound' end, 'sms',
         'delivered', 'patient', 'hello', now() - interval '10 days'
       from bench_people p`,
      [orgId],
    );
    await seed('drop table bench_people');
    await seed('vacuum analyze');
    const seedSeconds = (performance.now() - started) / 1000;

    const [row] = await db.select().from(campaigns).where(eq(campaigns.id, mainId));
    // The figures query as campaignStats sends it (its first execute), to time it alone.
    let figuresQuery: SQL | undefined;
    const capturing = {
      execute: async (query: SQL) => {
        figuresQuery ??= query;
        return { rows: [] };
      },
      select: db.select.bind(db),
    } as unknown as Queryable;
    await campaignStats(capturing, mainId, row!, 7);
    const figuresMs: number[] = [];
    const baselineMs: number[] = [];
    const baselineNoJitMs: number[] = [];
    const newJitMs: number[] = [];
    const newMs: number[] = [];
    let stats: Awaited<ReturnType<typeof campaignStats>> | undefined;
    const timed = async (into: number[], run: () => Promise<unknown>) => {
      const at = performance.now();
      await run();
      into.push(performance.now() - at);
    };
    for (let i = 0; i < runs; i++) {
      await timed(baselineMs, () => db.execute(baselineQuery(mainId)));
      await timed(baselineNoJitMs, () => withoutJit(db, (tx) => tx.execute(baselineQuery(mainId))));
      await timed(figuresMs, () => withoutJit(db, (tx) => tx.execute(figuresQuery!)));
      await timed(newJitMs, () => campaignStats(db, mainId, row!, 7));
      await timed(newMs, async () => {
        stats = await withoutJit(db, (tx) => campaignStats(tx, mainId, row!, 7));
      });
    }

    // The new figures query as campaignStats sends it (its first execute), explained, without JIT
    // as GET /campaigns/:id runs it.
    let explained: string[] = [];
    const explaining = (target: Queryable) =>
      ({
        execute: async (query: SQL) => {
          if (explained.length > 0) return { rows: [] };
          const result = await target.execute(sql`explain (analyze, buffers) ${query}`);
          explained = rowsOf<{ 'QUERY PLAN': string }>(result).map((r) => r['QUERY PLAN']);
          return { rows: [] };
        },
        select: target.select.bind(target),
      }) as unknown as Queryable;
    await withoutJit(db, (tx) => campaignStats(explaining(tx), mainId, row!, 7));

    const baselineCsvStarted = performance.now();
    let baselineCsvRows = 0;
    for (let after = 0; ; ) {
      const page = rowsOf<{ id: string }>(await db.execute(baselineCsvPage(mainId, after)));
      if (page.length === 0) break;
      baselineCsvRows += page.length;
      after = Number(page.at(-1)!.id);
    }
    const baselineCsvSeconds = (performance.now() - baselineCsvStarted) / 1000;

    const admin = await t.api();
    const csvStarted = performance.now();
    const csv = await request(t.hub.url)
      .get(`/api/v1/campaigns/${mainId}/recipients.csv`)
      .set('Authorization', `Bearer ${await t.staffToken()}`)
      .buffer(true)
      .expect(200);
    const csvSeconds = (performance.now() - csvStarted) / 1000;
    await admin.get(`/campaigns/${mainId}`).expect(200);

    console.log(`recipients: ${count}, runs: ${runs}, seeded in ${seedSeconds.toFixed(1)} s`);
    const { byChannel, byLocale, series, skipped, failedByCode, ...totals } = stats!;
    console.log(`figures: ${JSON.stringify(totals)}`);
    console.log(
      `by channel: ${Object.keys(byChannel).join(', ')}; by locale: ${Object.keys(byLocale).join(', ')}`,
    );
    console.log(`baseline: figures query before (d8694e2), JIT on as it ran: ${ms(baselineMs)}`);
    console.log(`baseline: figures query before, JIT off: ${ms(baselineNoJitMs)}`);
    console.log(`figures query now, alone, JIT off: ${ms(figuresMs)}`);
    console.log(
      `campaignStats now (with linkOpened, confirmed, booked; skipped; series), JIT on: ${ms(newJitMs)}`,
    );
    console.log(
      `campaignStats now, JIT off as GET /campaigns/:id and the progress event run it: ${ms(newMs)}`,
    );
    console.log(
      `baseline: recipients.csv pages before (d8694e2), queries only, JIT on (${baselineCsvRows} rows): ${baselineCsvSeconds.toFixed(2)} s`,
    );
    console.log(
      `recipients.csv now, through the API (${csv.text.trim().split('\n').length - 1} rows): ${csvSeconds.toFixed(2)} s`,
    );
    console.log('EXPLAIN (ANALYZE, BUFFERS) of the figures query:');
    for (const line of explained) console.log(`  ${line}`);
  } finally {
    await t.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
