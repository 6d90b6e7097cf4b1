import request from 'supertest';
import { recipientsInserted } from '../support/campaign-recipients';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Saved audiences: named filters counted live and chosen for a campaign, and static lists made by an
// import, whose members (not whoever matches a filter) are the campaign's recipients.
jest.setTimeout(60_000);

let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

async function importCsv(csv: string, query = '') {
  const res = await request(t.hub.url)
    .post(`/api/v1/contacts/imports${query}`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .set('Content-Type', 'text/csv')
    .send(csv);
  if (res.status === 202) {
    await eventually(async () => {
      const status = await admin.get(`/contacts/imports/${res.body.id}`).expect(200);
      return status.body.status === 'completed' ? status.body : undefined;
    });
  }
  return res;
}

const rows = (tag: string, births: string[]) =>
  [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...births.map((b, i) => `${tag}-${i},P ${i},${randomUsPhone()},${b},en,${middayTimeZone()},${tag}`),
  ].join('\n');

test('a named filter is saved, counted, edited, chosen for a campaign (which keeps its copy), and deleted', async () => {
  const tag = `sa${Date.now().toString(36)}`;
  await importCsv(rows(tag, ['1950-01-01', '1951-01-01', '1990-01-01']));
  const filter = { tags: [tag], ageMin: 65 };
  expect((await admin.post('/audiences/count', { filter }).expect(200)).body).toEqual({ count: 2 });

  const saved = await admin.post('/audiences', { name: `Seniors ${tag}`, filter }).expect(201);
  expect(saved.body).toMatchObject({ name: `Seniors ${tag}`, kind: 'filter', filter, count: 2 });
  const twin = await admin.post('/audiences', { name: `Seniors ${tag}`, filter }).expect(409);
  expect(twin.body.error.code).toBe('audience_name_taken');
  const bad = await admin.post('/audiences', { name: 'x', filter: { shoeSize: 9 } }).expect(400);
  expect(bad.body.error.code).toBeDefined();

  const campaign = await admin
    .post('/campaigns', {
      name: `From saved ${tag}`,
      template: 'recall-outreach',
      audience: { audienceId: saved.body.id },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  expect(campaign.body.audience).toEqual({ filter, audienceId: saved.body.id });
  const preview = await admin.post(`/campaigns/${campaign.body.id}/preview`, {}).expect(200);
  expect(preview.body.recipients).toBe(2);

  // Widened later: the saved audience counts three, the campaign made from it keeps its copy.
  const widened = await admin.patch(`/audiences/${saved.body.id}`, { filter: { tags: [tag] } }).expect(200);
  expect(widened.body.count).toBe(3);
  const again = await admin.post(`/campaigns/${campaign.body.id}/preview`, {}).expect(200);
  expect(again.body.recipients).toBe(2);

  const listed = await admin.get('/audiences').expect(200);
  expect(listed.body.audiences.map((a: { id: string }) => a.id)).toContain(saved.body.id);
  await admin.delete(`/audiences/${saved.body.id}`).expect(204);
  await admin.get(`/audiences/${saved.body.id}`).expect(404);
  const gone = await admin
    .post('/campaigns', { name: 'x', template: 'recall-outreach', audience: { audienceId: saved.body.id } })
    .expect(422);
  expect(gone.body.error.code).toBe('audience_not_found');
});

test("an import makes a static list: its rows' contacts, not everyone who shares their tags", async () => {
  const tag = `sl${Date.now().toString(36)}`;
  // Someone with the same tag who is not in the file.
  await importCsv(
    [
      'externalId,name,phone,dateOfBirth,language,timeZone,tags',
      `${tag}-other,O,${randomUsPhone()},1950-01-01,en,${middayTimeZone()},${tag}`,
    ].join('\n'),
  );
  const refused = await importCsv(
    rows(`${tag}x`, ['1950-01-01']),
    `?list=${encodeURIComponent('Flu 2026')}&dryRun=true`,
  );
  expect(refused.status).toBe(400);
  const res = await importCsv(
    [
      'externalId,name,phone,dateOfBirth,language,timeZone,tags',
      `${tag}-a,A,${randomUsPhone()},1950-01-01,en,${middayTimeZone()},${tag}`,
      `${tag}-b,B,${randomUsPhone()},1950-01-01,en,${middayTimeZone()},${tag}`,
      `${tag}-bad,Bad,12,1950-01-01,en,,${tag}`,
    ].join('\n'),
    `?list=${encodeURIComponent(`Flu list ${tag}`)}`,
  );
  expect(res.status).toBe(202);
  const listId = res.body.listId as string;
  const list = await admin.get(`/audiences/${listId}`).expect(200);
  expect(list.body).toMatchObject({
    name: `Flu list ${tag}`,
    kind: 'list',
    filter: { list: listId },
    count: 2,
  });
  expect((await admin.post('/audiences/count', { filter: { tags: [tag] } }).expect(200)).body.count).toBe(3);
  const edit = await admin.patch(`/audiences/${listId}`, { filter: { tags: [tag] } }).expect(422);
  expect(edit.body.error.code).toBe('list_has_no_filter');
  const sameName = await importCsv(
    rows(`${tag}y`, ['1950-01-01']),
    `?list=${encodeURIComponent(`Flu list ${tag}`)}`,
  );
  expect(sameName.status).toBe(409);

  // The list's patients opted in to marketing by SMS: a start refuses a marketing template to an
  // audience where nobody did.
  const members = await queryRows<{ id: string }>(
    t.database.url,
    'select contact_id as id from audience_members where audience_id = $1',
    [listId],
  );
  for (const { id } of members) {
    await admin
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }
  const campaign = await admin
    .post('/campaigns', {
      name: `List ${tag}`,
      template: 'recall-outreach',
      audience: { audienceId: listId },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  await admin.post(`/campaigns/${campaign.body.id}/start`, {}).expect(200);
  // The start counts the audience; the campaign's run inserts the recipients' rows.
  await recipientsInserted(t, campaign.body.id);
  const recipients = await queryRows<{ external_id: string }>(
    t.database.url,
    `select c.external_id from campaign_recipients r join contacts c on c.id = r.contact_id
     where r.campaign_id = $1 order by 1`,
    [campaign.body.id],
  );
  expect(recipients.map((r) => r.external_id)).toEqual([`${tag}-a`, `${tag}-b`]);
});
