// Usage: npm run bench:audience [-- CONTACTS]
//   CONTACTS (default 2,000; the scale is 100,000).
// Each audience filter counted on a fresh PostgreSQL database (TEST_DATABASE_URL's server): CONTACTS
// contacts written straight in SQL, each with a phone (every tenth also an email, every fiftieth
// phone undeliverable), a zone and a plan attribute, two inbound messages, two appointments (one
// past, one to come) and a consent entry or two. For every filter: the live count's time through the
// API (median of 5) and the plan PostgreSQL runs for it (EXPLAIN ANALYZE): its execution time, the
// join nodes and the indexes it reads, and how many times a per-contact subplan ran. The baseline,
// same run: a count by tag alone, the filter that existed before.
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { audienceCondition, audienceFilterSchema } from '../src/campaigns/audience-filter';
import { contacts } from '../src/platform/db/core-schema';
import { queryRows } from '../test/support/test-database';
import { startTestHub } from '../test/support/test-hub';

const count = Math.max(10, Number(process.argv[2] ?? 2000) || 2000);

const FILTERS: [string, object][] = [
  ['tags (baseline)', { tags: ['bench'] }],
  ['timeZone', { tags: ['bench'], timeZone: ['America/Chicago', 'America/Denver'] }],
  ['attributes', { tags: ['bench'], attributes: { plan: 'gold' } }],
  ['appointments in a range', { tags: ['bench'], appointments: { from: '2030-01-01', to: '2030-03-31' } }],
  [
    'appointments none booked',
    { tags: ['bench'], appointments: { from: '2030-01-01', status: ['scheduled', 'confirmed'], none: true } },
  ],
  ['lastMessageAfter', { tags: ['bench'], lastMessageAfter: '2026-06-01' }],
  ['lastMessageBefore', { tags: ['bench'], lastMessageBefore: '2026-06-01' }],
  ['lastVisitAfter', { tags: ['bench'], lastVisitAfter: '2026-06-01' }],
  ['lastVisitBefore', { tags: ['bench'], lastVisitBefore: '2026-06-01' }],
  [
    'consent opted_in',
    { tags: ['bench'], consent: { channel: 'sms', purpose: 'marketing', status: 'opted_in' } },
  ],
  ['consent none', { tags: ['bench'], consent: { channel: 'sms', purpose: 'marketing', status: 'none' } }],
  ['reachableBy', { tags: ['bench'], reachableBy: ['sms', 'email'] }],
  [
    "the issue's example",
    {
      tags: ['bench'],
      ageMin: 65,
      language: ['en', 'es'],
      appointments: { from: '2030-01-01', status: ['scheduled', 'confirmed'], none: true },
      reachableBy: ['sms', 'email'],
      consent: { channel: 'sms', purpose: 'marketing', status: 'opted_in' },
    },
  ],
];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** The plan's joins, the indexes it reads, and the most loops a subplan's node ran. */
function summarize(
  node: PlanNode,
  into = { joins: new Set<string>(), indexes: new Set<string>(), subplanLoops: 0 },
) {
  if (/Join|Nested Loop/.test(node['Node Type'])) into.joins.add(node['Node Type']);
  if (node['Index Name']) into.indexes.add(node['Index Name']);
  if (node['Parent Relationship'] === 'SubPlan')
    into.subplanLoops = Math.max(into.subplanLoops, node['Actual Loops'] ?? 0);
  for (const child of node.Plans ?? []) summarize(child, into);
  return into;
}

async function main() {
  const t = await startTestHub({ runWorkers: false });
  try {
    const url = t.database.url;
    const orgId = t.hub.org.id;
    const seed = performance.now();
    await queryRows(
      url,
      `insert into contacts (org_id, display_name, date_of_birth, language, time_zone, tags, attributes)
       select $1, 'Patient ' || g, date '1940-01-01' + (g % 20000), (array['en','es','fr'])[1 + g % 3],
              (array['America/Chicago','America/New_York','America/Denver','Europe/Madrid'])[1 + g % 4],
              '["bench"]'::jsonb, jsonb_build_object('plan', (array['gold','silver','bronze'])[1 + g % 3])
       from generate_series(1, $2) g`,
      [orgId, count],
    );
    await queryRows(
      url,
      `insert into contact_identities (org_id, contact_id, kind, address, undeliverable_at)
       select $1, id, 'phone', '+1415' || lpad(n::text, 7, '0'), case when n % 50 = 0 then now() end
       from (select id, row_number() over () as n from contacts where org_id = $1) c`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'email', 'p' || n || '@bench.test'
       from (select id, row_number() over () as n from contacts where org_id = $1) c where n % 10 = 5`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into conversations (org_id, contact_id, status) select $1, id, 'resolved' from contacts where org_id = $1`,
      [orgId],
    );
    // Two inbound messages each, spread over the last two years.
    await queryRows(
      url,
      `insert into messages (org_id, conversation_id, contact_id, direction, channel, body, status, author_kind, created_at)
       select $1, v.id, v.contact_id, 'inbound', 'sms', 'hello', 'received', 'patient',
              now() - make_interval(days => ((n * 7 + k * 300) % 730)::int)
       from (select id, contact_id, row_number() over () as n from conversations where org_id = $1) v,
            generate_series(0, 1) k`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into appointments (org_id, contact_id, starts_at, location, status)
       select $1, id, case when k = 0 then now() - make_interval(days => (n % 700)::int) else timestamptz '2030-01-01' + make_interval(days => (n % 200)::int) end,
              'Main St', (array['scheduled','confirmed','cancelled','reschedule_requested'])[1 + (n + k) % 4]
       from (select id, row_number() over () as n from contacts where org_id = $1) c, generate_series(0, 1) k`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
       select $1, id, 'sms', case when n % 3 = 0 then 'all' else 'marketing' end,
              case when n % 5 = 0 then 'opted_out' else 'opted_in' end, 'bench'
       from (select id, row_number() over () as n from contacts where org_id = $1) c where n % 7 <> 0`,
      [orgId],
    );
    await queryRows(
      url,
      'analyze contacts, contact_identities, conversations, messages, appointments, consent_ledger',
    );
    console.log(
      `seeded ${count.toLocaleString('en-US')} contacts in ${((performance.now() - seed) / 1000).toFixed(1)} s`,
    );

    const admin = await t.api();
    const dialect = new PgDialect();
    for (const [name, given] of FILTERS) {
      const filter = audienceFilterSchema.parse(given);
      const times: number[] = [];
      let selected = 0;
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        selected = (await admin.post('/audiences/count', { filter: given }).expect(200)).body.count;
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const query = dialect.sqlToQuery(
        sql`explain (analyze, format json) select count(*) from ${contacts} where ${audienceCondition(orgId, filter, t.hub.channels)}`,
      );
      const [row] = await queryRows<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
        url,
        query.sql,
        query.params,
      );
      const plan = row!['QUERY PLAN'][0];
      const { joins, indexes, subplanLoops } = summarize(plan.Plan);
      console.log(
        [
          name.padEnd(26),
          `${selected.toLocaleString('en-US')} selected`.padEnd(18),
          `API median ${times[2]!.toFixed(0)} ms`.padEnd(18),
          `SQL ${plan['Execution Time'].toFixed(0)} ms`.padEnd(11),
          `joins: ${[...joins].join(', ') || '-'}`,
          `| indexes: ${[...indexes].join(', ') || '-'}`,
          subplanLoops ? `| subplan loops: ${subplanLoops.toLocaleString('en-US')}` : '',
        ].join(' '),
      );
    }
  } finally {
    await t.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
