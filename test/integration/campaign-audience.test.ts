import { eq } from 'drizzle-orm';
import { insertRecipients } from '../../src/campaigns/campaign-audience';
import { campaigns } from '../../src/platform/db/campaign-schema';
import { queryRows } from '../support/test-database';
import { randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// A start answers at once: it counts the audience (refusing an empty one) and the campaign's run
// inserts the recipients' rows, the audience as it was at the start, in pages; a run killed midway
// and taken up again inserts the rest, never a row twice.
jest.setTimeout(90_000);

let t: TestHub;
let admin: StaffApi;
let orgId: string;
beforeAll(async () => {
  // No workers: the test runs the run's steps itself.
  t = await startTestHub({ runWorkers: false });
  admin = await t.api();
  const [org] = await queryRows<{ id: string }>(t.database.url, 'select id from organizations limit 1');
  orgId = org!.id;
});
afterAll(async () => {
  await t.stop();
});

const campaignTo = (tag: string) => ({
  name: `Audience ${tag}`,
  template: 'recall-outreach',
  audience: { filter: { tags: [tag] } },
  variables: { link: 'https://book.clinic.test/recall' },
});

/**
 * `n` contacts tagged `tag`, written in SQL, each with an SMS marketing opt-in (the template is
 * marketing: a start refuses an audience where nobody opted in). No identity: the start and the
 * insert do not need one.
 */
async function seedContacts(tag: string, n: number): Promise<void> {
  await queryRows(
    t.database.url,
    `with c as (insert into contacts (org_id, tags) select $1, $2::jsonb from generate_series(1, $3::int) returning id)
     insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
     select $1, id, 'sms', 'marketing', 'opted_in', 'test' from c`,
    [orgId, JSON.stringify([tag]), n],
  );
}

const recipientCount = async (id: string) =>
  Number(
    (
      await queryRows<{ n: string }>(
        t.database.url,
        'select count(*) as n from campaign_recipients where campaign_id = $1',
        [id],
      )
    )[0]!.n,
  );

test('a start refuses an audience of nobody at once, and leaves the campaign a draft', async () => {
  const tag = `none${Date.now().toString(36)}`;
  const id = (await admin.post('/campaigns', campaignTo(tag)).expect(201)).body.id as string;
  const refused = await admin.post(`/campaigns/${id}/start`, {}).expect(422);
  expect(refused.body.error.code).toBe('audience_empty');
  expect((await admin.get(`/campaigns/${id}`).expect(200)).body.status).toBe('draft');
});

test('a start of a marketing template refuses an audience where nobody opted in, at once', async () => {
  const tag = `nopt${Date.now().toString(36)}`;
  // Three patients with a phone number and no consent recorded.
  for (let i = 0; i < 3; i++) {
    await queryRows(
      t.database.url,
      `with c as (insert into contacts (org_id, tags) values ($1, $2::jsonb) returning id)
       insert into contact_identities (org_id, contact_id, kind, address) select $1, id, 'phone', $3 from c`,
      [orgId, JSON.stringify([tag]), randomUsPhone()],
    );
  }
  const id = (await admin.post('/campaigns', campaignTo(tag)).expect(201)).body.id as string;
  // The preview says all skipped; the start refuses.
  const preview = (await admin.post(`/campaigns/${id}/preview`, {}).expect(200)).body;
  expect(preview.skipped).toEqual({ marketing_requires_opt_in: 3 });
  const refused = await admin.post(`/campaigns/${id}/start`, {}).expect(422);
  expect(refused.body.error.code).toBe('audience_without_opt_in');
  expect((await admin.get(`/campaigns/${id}`).expect(200)).body.status).toBe('draft');
  // One of them opts in: the start goes.
  const [one] = await queryRows<{ id: string }>(
    t.database.url,
    'select id from contacts where tags @> $1::jsonb limit 1',
    [JSON.stringify([tag])],
  );
  await admin
    .post(`/contacts/${one!.id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
    .expect(201);
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
});

test('the start answers before any row is in and shows the count; the run inserts the audience as it was at the start, and one killed midway inserts the rest, never twice', async () => {
  const tag = `aud${Date.now().toString(36)}`;
  const n = 2600;
  await seedContacts(tag, n);
  const id = (await admin.post('/campaigns', campaignTo(tag)).expect(201)).body.id as string;

  const started = await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  expect(started.body.status).toBe('running');
  // No row yet: the run inserts them. The figures show the audience the start counted meanwhile.
  expect(await recipientCount(id)).toBe(0);
  expect((await admin.get(`/campaigns/${id}`).expect(200)).body.stats.recipients).toBe(n);

  // A patient added after the start (an import a minute later) is not in this campaign.
  const [late] = await queryRows<{ id: string }>(
    t.database.url,
    `insert into contacts (org_id, tags, created_at) values ($1, $2::jsonb, now() + interval '1 second') returning id`,
    [orgId, JSON.stringify([tag])],
  );

  // A run killed after its first pages: the rows of the first 1,000 contacts by id are in.
  await queryRows(
    t.database.url,
    `insert into campaign_recipients (campaign_id, contact_id)
     select $1, id from contacts where tags @> $2::jsonb and id <> $3 order by id limit 1000`,
    [id, JSON.stringify([tag]), late!.id],
  );
  const before = await queryRows<{ id: string; contact_id: string }>(
    t.database.url,
    'select id, contact_id from campaign_recipients where campaign_id = $1 order by id',
    [id],
  );
  // Taken up again, twice at once (a retried job beside a restarted process).
  const [row] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  const logger = t.hub.outbound.logger;
  const runs = await Promise.all([
    insertRecipients(t.hub.database.db, row!, t.hub.outbound.channels, { logger }),
    insertRecipients(t.hub.database.db, row!, t.hub.outbound.channels, { logger }),
  ]);
  expect(runs.map((r) => r.stopped)).toEqual([false, false]);
  expect(runs[0]!.inserted + runs[1]!.inserted).toBe(n - 1000);

  const rows = await queryRows<{ id: string; contact_id: string }>(
    t.database.url,
    'select id, contact_id from campaign_recipients where campaign_id = $1 order by id',
    [id],
  );
  expect(rows).toHaveLength(n);
  expect(new Set(rows.map((r) => r.contact_id)).size).toBe(n);
  expect(rows.some((r) => r.contact_id === late!.id)).toBe(false);
  // The rows the killed run wrote are those rows still, not written again.
  expect(rows.slice(0, 1000)).toEqual(before);
  const [stored] = await queryRows<{ inserted: boolean; audience_count: number }>(
    t.database.url,
    'select recipients_inserted_at is not null as inserted, audience_count from campaigns where id = $1',
    [id],
  );
  expect(stored).toEqual({ inserted: true, audience_count: n });
  // Once more: nothing left to insert.
  const [done] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  expect(await insertRecipients(t.hub.database.db, done!, t.hub.outbound.channels, { logger })).toEqual({
    inserted: 0,
    stopped: false,
  });
  expect((await admin.get(`/campaigns/${id}`).expect(200)).body.stats.recipients).toBe(n);
});

test('a pause during the insert stops it; the resumed run inserts the rest, still without those added after the start', async () => {
  const tag = `pau${Date.now().toString(36)}`;
  const n = 1500;
  await seedContacts(tag, n);
  const id = (await admin.post('/campaigns', campaignTo(tag)).expect(201)).body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const [first] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  await admin.post(`/campaigns/${id}/pause`, {}).expect(200);
  // The paused run inserts nothing.
  expect(
    await insertRecipients(t.hub.database.db, first!, t.hub.outbound.channels, {
      logger: t.hub.outbound.logger,
    }),
  ).toEqual({ inserted: 0, stopped: true });
  await seedContacts(tag, 5);
  await admin.post(`/campaigns/${id}/resume`, {}).expect(200);
  const [resumed] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  expect(resumed!.run).toBe(first!.run + 1);
  // The start's moment is the cut, whichever run inserts (the five were added after the start).
  expect(
    await insertRecipients(t.hub.database.db, resumed!, t.hub.outbound.channels, {
      logger: t.hub.outbound.logger,
    }),
  ).toEqual({ inserted: n, stopped: false });
  expect(await recipientCount(id)).toBe(n);
});
