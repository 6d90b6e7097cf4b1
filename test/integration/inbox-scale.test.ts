import pg from 'pg';
import { queryRows } from '../support/test-database';
import { type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// The inbox must stay quick with 10,000 open conversations (30,000 messages): every list, search and
// count is one indexed statement, never a query per row. Counted, not timed: a time bound fails on a
// loaded machine and passes a query per row on a fast one (`npm run bench:inbox` measures speed).
const CONVERSATIONS = 10_000;
let t: TestHub;
let admin: StaffApi;

beforeAll(async () => {
  t = await startTestHub({ runWorkers: false });
  admin = await t.api();
  await queryRows(
    t.database.url,
    `with c as (
       insert into contacts (org_id, display_name)
       select $1, 'Patient ' || g from generate_series(1, $2::int) g returning id
     ), numbered as (select id, row_number() over (order by id) as n from c),
     ids as (
       insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'phone', '+1555' || lpad(n::text, 7, '0') from numbered returning contact_id
     )
     insert into conversations (org_id, contact_id, queue, priority, urgency, sla_due_at, last_activity_at)
     select $1, id, (array['front-desk','billing','refills','nurse-triage'])[1 + n % 4], n % 4,
       (array['routine','soon','urgent','emergency'])[1 + n % 4],
       now() + ((n % 120) - 10) * interval '1 minute', now() - n * interval '1 second'
     from numbered`,
    [t.hub.org.id, CONVERSATIONS],
  );
  await queryRows(
    t.database.url,
    `insert into messages (org_id, conversation_id, contact_id, direction, channel, body, status, author_kind, created_at)
     select c.org_id, c.id, c.contact_id, d.direction, 'sms',
       case when d.k = 1 and c.contact_id = (select min(contact_id::text)::uuid from conversations)
         then 'my nebulizer broke' else 'question ' || md5(c.id::text || d.k) || ' about my appointment' end,
       case when d.direction = 'inbound' then 'received' else 'delivered' end,
       case when d.direction = 'inbound' then 'patient' else 'system' end,
       c.last_activity_at - (3 - d.k) * interval '1 second'
     from conversations c
     cross join (values (1, 'inbound'), (2, 'outbound'), (3, 'inbound')) as d(k, direction)`,
  );
  await queryRows(
    t.database.url,
    `update conversations c set last_message_id = (
       select m.id from messages m where m.conversation_id = c.id order by m.created_at desc limit 1)`,
  );
  await queryRows(t.database.url, 'analyze');
}, 120_000);
afterAll(async () => {
  await t.stop();
});

/** One request as the admin, with the SQL statements the hub sent to answer it. */
async function timed(path: string) {
  const query = jest.spyOn(pg.Client.prototype, 'query');
  try {
    const res = await admin.get(path).expect(200);
    return { statements: query.mock.calls.length, body: res.body };
  } finally {
    query.mockRestore();
  }
}

// A page is 50 rows (200 asked for below): a statement per row would send far more than this; the
// session check, the list, its counts and the page's side reads are well under it.
const MAX_STATEMENTS = 12;

test.each([
  '/conversations',
  '/conversations?sort=priority',
  '/conversations?status=all&limit=200',
  '/conversations?queue=billing&assignee=unassigned&urgency=soon',
  '/conversations?q=appointment',
  '/conversations?channel=sms',
  '/queues',
  '/stats/queues',
])('%s answers in a few statements, however many conversations there are', async (path) => {
  const { statements } = await timed(path);
  expect(statements).toBeGreaterThan(0);
  expect(statements).toBeLessThanOrEqual(MAX_STATEMENTS);
});

test('the numbers are right at that size', async () => {
  const { body: queues } = await timed('/queues');
  const total = queues.queues.reduce((sum: number, q: { open: number }) => sum + q.open, 0);
  expect(total).toBe(CONVERSATIONS);
  expect(queues.queues.find((q: { id: string }) => q.id === 'nurse-triage').emergencies).toBe(
    CONVERSATIONS / 4,
  );
  const { body: found } = await timed('/conversations?q=nebulizer');
  expect(found.conversations).toHaveLength(1);
  expect(found.conversations[0].unread).toBe(true);
  const { body: page } = await timed('/conversations?limit=50');
  expect(page.conversations).toHaveLength(50);
  expect(page.conversations[0].channels).toEqual(['sms']);
  expect(page.conversations[0].contact.displayName).toMatch(/^Patient /);
});

test('search over message bodies uses the full-text index', async () => {
  const plan = await queryRows<{ 'QUERY PLAN': string }>(
    t.database.url,
    "explain select conversation_id from messages where to_tsvector('simple', body) @@ to_tsquery('simple', 'nebul:*')",
  );
  expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('messages_body_search_idx');
});
