// Usage: npx tsx scripts/bench-outbox-sweep.ts [DEFERRED [RUNS]]
//   DEFERRED (default 100,000), RUNS timed runs of each query (default 7).
// Both outbox sweeps (every OUTBOX_SWEEP_SECONDS) at night, on a fresh PostgreSQL database
// (TEST_DATABASE_URL's server), written straight in SQL: a running campaign's DEFERRED messages
// deferred to each patient's morning (pending, scheduled tomorrow, no job), each a recipient's of its
// own contact, every fifth sent behind a secure link (notice and content); and due now, ten of the
// campaign's and ten of the clinic's own. Then, alternating, RUNS times each: the sweep query as it
// was (baseline: messages_outbox_idx and a lookup of campaign_recipients per row) and sweepQuery now,
// for both kinds; and once EXPLAIN (ANALYZE, BUFFERS) of each, with the rows it read from messages.
import { performance } from 'node:perf_hooks';
import { type SQL, sql } from 'drizzle-orm';
import { type SweepKind, sweepQuery } from '../src/outbound/outbox-sweeper';
import { rowsOf } from '../src/platform/db/rows';
import { rowsReadFrom } from '../test/support/query-plans';
import { queryRows } from '../test/support/test-database';
import { startTestHub } from '../test/support/test-hub';

const count = Math.max(100, Number(process.argv[2] ?? 100_000) || 100_000);
const runs = Math.max(1, Number(process.argv[3] ?? 7) || 7);

/** The sweep query before messages_outbox_due_idx (a45a2dd), as drizzle wrote it. */
const baselineQuery = (graceSeconds: number, kind: SweepKind) => {
  const recipient = sql`exists (select 1 from campaign_recipients r where r.message_id = m.id)`;
  const running = sql`exists (select 1 from campaign_recipients r join campaigns c on c.id = r.campaign_id
    where r.message_id = m.id and c.status = 'running')`;
  return sql`select m.id, m.request_id, m.status from messages m
    where ${kind === 'campaigns' ? recipient : sql`not ${recipient}`}
      and ((m.status = 'pending' and m.direction = 'outbound'
          and m.updated_at <= now() - make_interval(secs => ${graceSeconds})
          and (m.scheduled_for is null or m.scheduled_for <= now())
          ${kind === 'campaigns' ? sql`and ${running}` : sql``})
        or (m.status = 'sending' and m.direction = 'outbound' and (m.lease_until is null or m.lease_until <= now())))
    limit 1000`;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const t = await startTestHub({ runWorkers: false });
  try {
    const orgId = t.hub.org.id;
    const db = t.hub.database.db;
    const started = performance.now();
    await queryRows(
      t.database.url,
      `insert into contacts (org_id, display_name) select $1, 'Patient ' || i from generate_series(1, $2) i`,
      [orgId, count + 10],
    );
    await queryRows(
      t.database.url,
      `insert into conversations (org_id, contact_id) select org_id, id from contacts where org_id = $1`,
      [orgId],
    );
    const [campaign] = await queryRows<{ id: string }>(
      t.database.url,
      `insert into campaigns (org_id, name, template, audience, status, run, started_at, recipients_inserted_at)
       values ($1, 'night', 'recall-outreach', '{"filter":{}}', 'running', 1, now(), now()) returning id`,
      [orgId],
    );
    // Each contact's campaign message: the first `count` deferred to tomorrow, the last ten due.
    await queryRows(
      t.database.url,
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, campaign_id,
         body, scheduled_for, updated_at, created_at)
       select c.org_id, v.id, c.id, 'outbound', case when n % 5 = 0 then 'email' else 'sms' end, 'pending', 'system', $2,
         '', case when n <= $3 then now() + interval '10 hours' else now() - interval '1 minute' end,
         now() - interval '2 hours', now() - interval '2 hours'
       from (select c.*, row_number() over (order by c.id) n from contacts c where c.org_id = $1) c
       join conversations v on v.contact_id = c.id`,
      [orgId, campaign!.id, count],
    );
    await queryRows(
      t.database.url,
      `insert into campaign_recipients (campaign_id, contact_id, status, message_id)
       select campaign_id, contact_id, 'planned', id from messages where campaign_id = $1`,
      [campaign!.id],
    );
    // The content of each secure-link message (its notice went by email), and the clinic's own ten due.
    await queryRows(
      t.database.url,
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, campaign_id,
         body, scheduled_for, updated_at, created_at)
       select org_id, conversation_id, contact_id, 'outbound', 'securelink', 'pending', 'system', campaign_id, '',
         scheduled_for, updated_at, created_at from messages where campaign_id = $1 and channel = 'email'`,
      [campaign!.id],
    );
    await queryRows(
      t.database.url,
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, status, author_kind, body,
         updated_at, created_at)
       select org_id, conversation_id, contact_id, 'outbound', 'sms', 'pending', 'system', '',
         now() - interval '1 minute', now() - interval '1 minute'
       from messages where campaign_id = $1 and scheduled_for <= now() and channel <> 'securelink'`,
      [campaign!.id],
    );
    await queryRows(t.database.url, 'vacuum analyze messages');
    await queryRows(t.database.url, 'analyze campaign_recipients');
    console.log(
      `setup: ${count} deferred campaign messages in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );

    const queries: [string, SQL][] = (['campaigns', 'conversations'] as const).flatMap((kind) => [
      [`baseline ${kind}`, baselineQuery(30, kind)],
      [`now ${kind}`, sweepQuery(30, kind)],
    ]);
    const times = new Map<string, number[]>(queries.map(([name]) => [name, []]));
    const found = new Map<string, number>();
    for (let run = 0; run < runs + 1; run++) {
      for (const [name, query] of queries) {
        const begun = performance.now();
        const rows = rowsOf(await db.execute(query));
        // The first run warms the cache, and is not counted.
        if (run > 0) times.get(name)!.push(performance.now() - begun);
        found.set(name, rows.length);
      }
    }
    for (const [name, query] of queries) {
      const [plan] = rowsOf<{ 'QUERY PLAN': unknown }>(
        await db.execute(sql`explain (analyze, buffers, format json) ${query}`),
      );
      if (process.env.BENCH_PLANS) console.log(JSON.stringify(plan!['QUERY PLAN'], null, 1));
      const values = times.get(name)!;
      console.log(
        `${name.padEnd(22)} median ${median(values).toFixed(2)} ms (min ${Math.min(...values).toFixed(2)}, max ${Math.max(
          ...values,
        ).toFixed(
          2,
        )}), ${found.get(name)} rows returned, ${rowsReadFrom('messages', plan!['QUERY PLAN'])} rows of messages read`,
      );
    }
  } finally {
    await t.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
