import { type SQL, sql } from 'drizzle-orm';
import { outboxRowsToSweep, type SweepKind, sweepQuery } from '../../src/outbound/outbox-sweeper';
import { rowsOf } from '../../src/platform/db/rows';
import { rowsReadFrom } from '../support/query-plans';
import { queryRows } from '../support/test-database';
import { randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// Both outbox sweepers run every 30 seconds. A campaign's messages deferred to each patient's
// morning wait overnight as pending rows with no job: a sweep must not read them (only what is due),
// and must split the rows between the two sweepers as campaign_recipients did.
jest.setTimeout(120_000);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const DEFERRED = 20_000;

type Thread = {
  contact_id: string;
  conversation_id: string;
};

async function thread(): Promise<Thread> {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'hello' }).expect(200);
  const [row] = await queryRows<Thread>(
    t.database.url,
    `select m.contact_id, m.conversation_id from messages m where m.from_address = $1`,
    [phone],
  );
  return row!;
}

async function campaign(status: string): Promise<string> {
  const [row] = rowsOf<{ id: string }>(
    await t.hub.database.db.execute(sql`
      insert into campaigns (org_id, name, template, audience, status, run, recipients_inserted_at)
      values (${t.hub.org.id}, ${status}, 'recall-outreach', '{"filter":{}}', ${status}, 1, now()) returning id`),
  );
  return row!.id;
}

/** Outbound rows as outbound-service writes them; `due` false: deferred to tomorrow. */
async function outbound(
  to: Thread,
  fields: {
    channel?: string;
    campaignId?: string | null;
    automation?: string;
    status?: string;
    due?: boolean;
  },
  count = 1,
): Promise<string[]> {
  const scheduled = fields.due === false ? sql`now() + interval '1 day'` : sql`now() - interval '1 minute'`;
  return rowsOf<{ id: string }>(
    await t.hub.database.db.execute(sql`
      insert into messages (org_id, conversation_id, contact_id, direction, channel, body, status, author_kind,
        automation, campaign_id, scheduled_for, updated_at)
      select ${t.hub.org.id}, ${to.conversation_id}, ${to.contact_id}, 'outbound', ${fields.channel ?? 'sms'}, '',
        ${fields.status ?? 'pending'}, 'system', ${fields.automation ?? null}, ${fields.campaignId ?? null},
        ${scheduled}, now() - interval '1 minute'
      from generate_series(1, ${count}) returning id`),
  ).map((r) => r.id);
}

/** Makes each message a recipient's of the campaign: a contact of its own each (one per campaign). */
async function recipients(campaignId: string, messageIds: string[]) {
  await t.hub.database.db.execute(sql`
    with ids as (select unnest(${sql.param(messageIds)}::uuid[]) as message_id, gen_random_uuid() as contact_id),
      new_contacts as (insert into contacts (id, org_id) select contact_id, ${t.hub.org.id} from ids)
    insert into campaign_recipients (campaign_id, contact_id, status, message_id)
    select ${campaignId}, contact_id, 'planned', message_id from ids`);
}

/** The rows each sweeper took before messages_outbox_due_idx: by a lookup of campaign_recipients. */
const oldScope = (kind: SweepKind) => {
  const recipient = sql`exists (select 1 from campaign_recipients r where r.message_id = m.id)`;
  const running = sql`exists (select 1 from campaign_recipients r join campaigns c on c.id = r.campaign_id
    where r.message_id = m.id and c.status = 'running')`;
  return sql`select m.id from messages m where m.direction = 'outbound' and ${kind === 'campaigns' ? recipient : sql`not ${recipient}`}
    and ((m.status = 'pending' and m.updated_at <= now() and (m.scheduled_for is null or m.scheduled_for <= now())
          ${kind === 'campaigns' ? sql`and ${running}` : sql``})
      or (m.status = 'sending' and (m.lease_until is null or m.lease_until <= now())))`;
};

test('each sweeper brings back the rows campaign_recipients gave it, no more', async () => {
  const db = t.hub.database.db;
  const to = await thread();
  const running = await campaign('running');
  const paused = await campaign('paused');
  // A campaign message on SMS, and one sent behind a secure link: its notice (the recipient's message)
  // and its content, both with the campaign's id; a lapsed claim of each; a paused campaign's message.
  const [sms] = await outbound(to, { campaignId: running });
  const [notice, sendingNotice] = await outbound(to, { campaignId: running, channel: 'email' }, 2);
  const [content, sendingContent] = await outbound(to, { campaignId: running, channel: 'securelink' }, 2);
  await db.execute(
    sql`update messages set status = 'sending' where id in (${sendingNotice}, ${sendingContent})`,
  );
  const [pausedSms] = await outbound(to, { campaignId: paused });
  const [pausedContent] = await outbound(to, { campaignId: paused, channel: 'securelink' });
  await recipients(running, [sms!, notice!, sendingNotice!]);
  await recipients(paused, [pausedSms!]);
  // The campaign's test send (no campaign id, no recipient) and a conversation's own message.
  const [testSend] = await outbound(to, { automation: 'campaign_test' });
  const [reply] = await outbound(to, {});
  const mine = new Set([
    sms,
    notice,
    sendingNotice,
    content,
    sendingContent,
    pausedSms,
    pausedContent,
    testSend,
    reply,
  ]);

  const swept = async (kind: SweepKind) =>
    (await outboxRowsToSweep(db, 0, kind)).map((r) => r.id).filter((id) => mine.has(id));
  const before = async (kind: SweepKind) =>
    rowsOf<{ id: string }>(await db.execute(oldScope(kind)))
      .map((r) => r.id)
      .filter((id) => mine.has(id));
  expect((await swept('campaigns')).sort()).toEqual([sms, notice, sendingNotice].sort());
  expect((await swept('conversations')).sort()).toEqual(
    [content, sendingContent, pausedContent, testSend, reply].sort(),
  );
  for (const kind of ['campaigns', 'conversations'] as const) {
    expect((await swept(kind)).sort()).toEqual((await before(kind)).sort());
  }
  await db.execute(sql`delete from campaign_recipients where campaign_id in (${running}, ${paused})`);
  await db.execute(
    sql`delete from messages where conversation_id = ${to.conversation_id} and direction = 'outbound'`,
  );
});

test('a sweep reads the due rows only, however many are deferred to the morning', async () => {
  const db = t.hub.database.db;
  const to = await thread();
  const running = await campaign('running');
  // The night's campaign messages, each a recipient's, and other messages deferred to quiet hours' end.
  const deferred = await outbound(to, { campaignId: running, due: false }, DEFERRED);
  await recipients(running, deferred);
  await outbound(to, { due: false }, DEFERRED);
  // Due now: two of the campaign's, one of the conversations'.
  await recipients(running, await outbound(to, { campaignId: running }, 2));
  await outbound(to, {});
  await db.execute(sql`analyze messages`);

  for (const [kind, index, due] of [
    ['campaigns', 'messages_campaign_outbox_due_idx', 2],
    ['conversations', 'messages_outbox_due_idx', 1],
  ] as const) {
    const query: SQL = sweepQuery(30, kind);
    const [plan] = rowsOf<{ 'QUERY PLAN': unknown }>(
      await db.execute(sql`explain (analyze, format json) ${query}`),
    );
    const text = JSON.stringify(plan!['QUERY PLAN']);
    expect(text).toContain(index);
    expect(text).not.toMatch(/"Node Type":"Seq Scan"[^}]*"Relation Name":"messages"/);
    // The due rows and the few around them, never the DEFERRED waiting ones.
    expect(rowsReadFrom('messages', plan!['QUERY PLAN'])).toBeLessThan(100);
    expect((await outboxRowsToSweep(db, 30, kind)).length).toBeGreaterThanOrEqual(due);
    const started = performance.now();
    await outboxRowsToSweep(db, 30, kind);
    // Printed, not asserted: a loaded machine's timing proves nothing either way.
    console.log(
      `${kind} sweep with ${DEFERRED * 2} deferred rows: ${(performance.now() - started).toFixed(1)} ms`,
    );
  }
  await db.execute(sql`delete from campaign_recipients where campaign_id = ${running}`);
  await db.execute(
    sql`delete from messages where conversation_id = ${to.conversation_id} and direction = 'outbound'`,
  );
});
