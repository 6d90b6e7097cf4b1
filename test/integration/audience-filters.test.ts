import { DateTime } from 'luxon';
import request from 'supertest';
import { recipientsInserted } from '../support/campaign-recipients';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startEmbeddedTestHub,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// The audience filters beyond tags, language and age, each counted through the API on both sides:
// who it keeps and who it leaves out. Four people, each with a tag of her own, so a count of the
// filter with that tag added says whether that person is in the audience.
jest.setTimeout(120_000);

let t: TestHub;
let admin: StaffApi;
const tag = `af${Date.now().toString(36)}`;
const people = ['ana', 'ben', 'cy', 'dee'] as const;
type Person = (typeof people)[number];
const phones = { ana: randomUsPhone(), ben: randomUsPhone(), dee: randomUsPhone() };
const ids = {} as Record<Person, string>;

async function importCsv(csv: string, query = '') {
  const res = await request(t.hub.url)
    .post(`/api/v1/contacts/imports${query}`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(202);
  await eventually(async () => {
    const status = await admin.get(`/contacts/imports/${res.body.id}`).expect(200);
    return status.body.status === 'completed' ? status.body : undefined;
  });
  return res.body as { id: string; listId?: string };
}

/** The people a filter selects, asked one by one through the live count. */
async function selected(filter: object): Promise<Person[]> {
  const chosen: Person[] = [];
  for (const person of people) {
    const res = await admin
      .post('/audiences/count', { filter: { ...filter, tags: [tag, `${tag}-${person}`] } })
      .expect(200);
    if (res.body.count === 1) chosen.push(person);
  }
  return chosen;
}

/** A date of birth `years` whole years ago and two months more: that age whatever the server's day. */
function born(years: number): string {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() - years);
  date.setUTCDate(date.getUTCDate() - 60);
  return date.toISOString().slice(0, 10);
}

const appointment = (person: Person, startsAt: string) =>
  admin.post('/appointments', { contactId: ids[person], startsAt, location: 'Main St' }).expect(201);

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  const tags = (p: Person) => `${tag};${tag}-${p}`;
  await importCsv(
    [
      'externalId,name,phone,email,timeZone,dateOfBirth,tags,plan',
      `${tag}-ana,Ana,${phones.ana},ana-${tag}@example.test,America/Chicago,${born(76)},${tags('ana')},gold`,
      `${tag}-ben,Ben,${phones.ben},,America/New_York,${born(40)},${tags('ben')},silver`,
      `${tag}-cy,Cy,,cy-${tag}@example.test,Europe/Madrid,${born(39)},${tags('cy')},`,
      `${tag}-dee,Dee,${phones.dee},,,,${tags('dee')},`,
    ].join('\n'),
  );
  const rows = await queryRows<{ id: string; external_id: string }>(
    t.database.url,
    'select id, external_id from contacts where tags @> $1::jsonb',
    [JSON.stringify([tag])],
  );
  for (const row of rows) ids[row.external_id.slice(tag.length + 1) as Person] = row.id;
  expect(Object.keys(ids).sort()).toEqual([...people]);
});
afterAll(async () => {
  await t?.stop();
});

test('ageMin / ageMax: whole years from the date of birth, both ends included; no date of birth, no age', async () => {
  expect(await selected({ ageMax: 39 })).toEqual(['cy']);
  expect(await selected({ ageMax: 40 })).toEqual(['ben', 'cy']);
  expect(await selected({ ageMin: 40, ageMax: 40 })).toEqual(['ben']);
  expect(await selected({ ageMin: 40 })).toEqual(['ana', 'ben']);
  await admin.post('/audiences/count', { filter: { ageMin: 41, ageMax: 40 } }).expect(400);
});

test('timeZone: the recorded zone, one or several, without regard to case; no zone, no match', async () => {
  expect(await selected({ timeZone: 'America/Chicago' })).toEqual(['ana']);
  expect(await selected({ timeZone: ['america/chicago', 'Europe/Madrid'] })).toEqual(['ana', 'cy']);
  const bad = await admin.post('/audiences/count', { filter: { timeZone: 'Mars/Olympus' } }).expect(400);
  expect(bad.body.error.code).toBe('validation_failed');
});

test('attributes: every key given, exactly', async () => {
  expect(await selected({ attributes: { plan: 'gold' } })).toEqual(['ana']);
  expect(await selected({ attributes: { plan: 'silver' } })).toEqual(['ben']);
  expect(await selected({ attributes: { plan: 'gold', other: 'x' } })).toEqual([]);
  await admin.post('/audiences/count', { filter: { attributes: {} } }).expect(400);
});

test('appointments: in a range, by status, and none (no appointment booked)', async () => {
  // A date bound is a day of the clinic's zone, which the test hub picks so that it is midday there
  // now (UTC-11 to UTC+12): each appointment is at noon of its day there, whatever the hour of the run.
  const zone = t.hub.config.CLINIC_TIME_ZONE;
  const noon = (day: string) => DateTime.fromISO(`${day}T12:00`, { zone }).toUTC().toISO()!;
  const anaAt = noon('2031-01-15');
  await appointment('ana', anaAt);
  await appointment('ben', noon('2031-03-01'));
  const cancelled = await appointment('cy', noon('2031-01-20'));
  // Fixture: a patient's "cancel" reply (triage) is what marks an appointment cancelled in production.
  await queryRows(t.database.url, "update appointments set status = 'cancelled' where id = $1", [
    cancelled.body.appointment.id,
  ]);
  const january = { from: '2031-01-01', to: '2031-01-31' };
  expect(await selected({ appointments: january })).toEqual(['ana', 'cy']);
  const booked = { ...january, status: ['scheduled', 'confirmed'] };
  expect(await selected({ appointments: booked })).toEqual(['ana']);
  expect(await selected({ appointments: { ...booked, none: true } })).toEqual(['ben', 'cy', 'dee']);
  expect(await selected({ appointments: { status: ['cancelled'] } })).toEqual(['cy']);
  // `to` is a whole day: an appointment on the last day of the range is in it.
  expect(await selected({ appointments: { from: '2031-03-01', to: '2031-03-01' } })).toEqual(['ben']);
  expect(
    await selected({
      appointments: {
        from: DateTime.fromISO(anaAt).plus({ seconds: 1 }).toUTC().toISO()!,
        to: '2031-02-01T00:00:00Z',
      },
    }),
  ).toEqual(['cy']);
  const backwards = await admin
    .post('/audiences/count', { filter: { appointments: { from: '2031-02-01', to: '2031-01-01' } } })
    .expect(400);
  expect(backwards.body.error.code).toBe('validation_failed');
  await admin.post('/audiences/count', { filter: { appointments: { status: ['kept'] } } }).expect(400);
});

test('lastVisitBefore / lastVisitAfter: a past appointment scheduled or confirmed; none, no match', async () => {
  await appointment('ana', '2026-06-01T15:00:00Z');
  await appointment('ben', '2026-03-01T15:00:00Z');
  const notKept = await appointment('ben', '2026-09-01T15:00:00Z');
  await queryRows(t.database.url, "update appointments set status = 'cancelled' where id = $1", [
    notKept.body.appointment.id,
  ]);
  // cy's and ana's 2031 appointments are not visits yet; cy has no past one.
  expect(await selected({ lastVisitAfter: '2026-05-01' })).toEqual(['ana']);
  expect(await selected({ lastVisitBefore: '2026-05-01' })).toEqual(['ben']);
  expect(await selected({ lastVisitAfter: '2026-01-01', lastVisitBefore: '2026-07-01' })).toEqual([
    'ana',
    'ben',
  ]);
});

test("lastMessageBefore / lastMessageAfter: the patient's own last message; never wrote, no match", async () => {
  await t.postInboundSms({ From: phones.ben, Body: 'hello from ben' }).expect(200);
  const [ben] = await eventually(async () => {
    const rows = await queryRows<{ at: Date }>(
      t.database.url,
      "select max(created_at) as at from messages where contact_id = $1 and direction = 'inbound'",
      [ids.ben],
    );
    return rows[0]?.at ? rows : undefined;
  });
  const between = new Date(ben!.at.getTime() + 1).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await t.postInboundSms({ From: phones.ana, Body: 'hello from ana' }).expect(200);
  await eventually(async () => (await selected({ lastMessageAfter: between })).includes('ana'));
  // Replies the hub sends (acknowledgements) are not the patient's messages.
  expect(await selected({ lastMessageAfter: between })).toEqual(['ana']);
  expect(await selected({ lastMessageBefore: between })).toEqual(['ben']);
  expect(await selected({ lastMessageAfter: '2020-01-01' })).toEqual(['ana', 'ben']);
  expect(await selected({ lastMessageBefore: '2099-01-01' })).toEqual(['ana', 'ben']);
});

test('consent: the entry that governs (channel, purpose) now, as the policy reads the ledger', async () => {
  const consent = (person: Person, channel: string, purpose: string, status: string) =>
    admin.post(`/contacts/${ids[person]}/consents`, { channel, purpose, status }).expect(201);
  await consent('ana', 'sms', 'marketing', 'opted_in');
  await consent('ben', 'sms', 'marketing', 'opted_in');
  // A later opt-out from everything on SMS governs marketing too.
  await consent('ben', 'sms', 'all', 'opted_out');
  await consent('dee', 'sms', 'care', 'opted_out');
  const sms = (status: string) => ({ consent: { channel: 'sms', purpose: 'marketing', status } });
  expect(await selected(sms('opted_in'))).toEqual(['ana']);
  expect(await selected(sms('opted_out'))).toEqual(['ben']);
  expect(await selected(sms('none'))).toEqual(['cy', 'dee']);
  expect(await selected({ consent: { channel: 'sms', purpose: 'care', status: 'opted_out' } })).toEqual([
    'ben',
    'dee',
  ]);
  // Two entries at one moment (one statement: one now()), the opt-in written last: the opt-out
  // wins, as in the policy (not the later id).
  await queryRows(
    t.database.url,
    `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
     select org_id, id, 'email', 'marketing', s, 'test' from contacts, unnest(array['opted_out', 'opted_in']) s
     where id = $1`,
    [ids.cy],
  );
  const email = (status: string) => ({ consent: { channel: 'email', purpose: 'marketing', status } });
  expect(await selected(email('opted_out'))).toEqual(['cy']);
  expect(await selected(email('opted_in'))).toEqual([]);
  const unknown = await admin
    .post('/audiences/count', { filter: { consent: { channel: 'fax', purpose: 'care', status: 'none' } } })
    .expect(422);
  expect(unknown.body.error.code).toBe('unknown_channel');
});

test('reachableBy: an address of the kind a channel delivers to, not marked undeliverable', async () => {
  // Fixture: marked as the hub marks an address it learned is dead (a bounce, a number moved on).
  await queryRows(
    t.database.url,
    "update contact_identities set undeliverable_at = now() where contact_id = $1 and kind = 'phone'",
    [ids.dee],
  );
  expect(await selected({ reachableBy: 'sms' })).toEqual(['ana', 'ben']);
  expect(await selected({ reachableBy: ['email'] })).toEqual(['ana', 'cy']);
  expect(await selected({ reachableBy: ['sms', 'email'] })).toEqual(['ana', 'ben', 'cy']);
  const unknown = await admin.post('/audiences/count', { filter: { reachableBy: ['pigeon'] } }).expect(422);
  expect(unknown.body.error.code).toBe('unknown_channel');
  // A saved audience and a campaign's own filter are checked alike.
  await admin.post('/audiences', { name: `pigeons ${tag}`, filter: { reachableBy: 'pigeon' } }).expect(422);
  const campaign = await admin
    .post('/campaigns', {
      name: 'x',
      template: 'recall-outreach',
      audience: { filter: { reachableBy: 'pigeon' } },
    })
    .expect(422);
  expect(campaign.body.error.code).toBe('unknown_channel');
});

test('the new filters are saved with an audience, counted, and select a campaign’s recipients', async () => {
  const filter = { tags: [tag], timeZone: ['America/Chicago', 'America/New_York'], reachableBy: ['sms'] };
  const saved = await admin.post('/audiences', { name: `Filters ${tag}`, filter }).expect(201);
  expect(saved.body).toMatchObject({ filter: { ...filter }, count: 2 });
  const campaign = await admin
    .post('/campaigns', {
      name: `Filters ${tag}`,
      template: 'recall-outreach',
      audience: { audienceId: saved.body.id },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  await admin.post(`/campaigns/${campaign.body.id}/start`, {}).expect(200);
  // The start counts the audience; the campaign's run inserts the recipients' rows.
  await recipientsInserted(t, campaign.body.id);
  const recipients = await queryRows<{ contact_id: string }>(
    t.database.url,
    'select contact_id from campaign_recipients where campaign_id = $1',
    [campaign.body.id],
  );
  expect(recipients.map((r) => r.contact_id).sort()).toEqual([ids.ana, ids.ben].sort());
});

test("a static list's own columns fill the template for its campaign, not a later file's", async () => {
  const phone = randomUsPhone();
  const zone = middayTimeZone();
  const file = (link: string) =>
    [
      'externalId,phone,dateOfBirth,language,timeZone,tags,link',
      `${tag}-lc,${phone},1950-01-01,en,${zone},${tag}-lc,${link}`,
    ].join('\n');
  const flu = await importCsv(
    file('https://book.clinic.test/flu'),
    `?list=${encodeURIComponent(`Flu ${tag}`)}`,
  );
  await importCsv(file('https://book.clinic.test/recall'), `?list=${encodeURIComponent(`Recall ${tag}`)}`);
  const [contact] = await queryRows<{ id: string; link: string }>(
    t.database.url,
    "select id, attributes->>'link' as link from contacts where external_id = $1",
    [`${tag}-lc`],
  );
  // The contact's attribute is the last file's.
  expect(contact!.link).toBe('https://book.clinic.test/recall');
  await admin
    .post(`/contacts/${contact!.id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
    .expect(201);
  const campaign = await admin
    .post('/campaigns', {
      name: `Flu list ${tag}`,
      template: 'recall-outreach',
      audience: { audienceId: flu.listId },
    })
    .expect(201);
  const preview = await admin.post(`/campaigns/${campaign.body.id}/preview`, {}).expect(200);
  expect(preview.body.recipients).toBe(1);
  expect(preview.body.skipped).toEqual({});
  expect(preview.body.samples[0].text).toContain('https://book.clinic.test/flu');
  await admin.post(`/campaigns/${campaign.body.id}/start`, {}).expect(200);
  const sent = await eventually(async () => {
    const rows = await queryRows<{ body: string }>(
      t.database.url,
      'select body from messages where campaign_id = $1 and direction = $2',
      [campaign.body.id, 'outbound'],
    );
    return rows[0];
  });
  expect(sent.body).toContain('https://book.clinic.test/flu');
  expect(sent.body).not.toContain('https://book.clinic.test/recall');
});

test('on the embedded store (PGlite, plain `npm start`) every new key is counted alike', async () => {
  const embedded = await startEmbeddedTestHub();
  try {
    const api = await embedded.api();
    const contact = async (name: string, timeZone: string, plan: string) =>
      (
        await api
          .post('/contacts', { name, phone: randomUsPhone(), timeZone, attributes: { plan } })
          .expect(201)
      ).body.contact as { id: string };
    const one = await contact('One', 'America/Chicago', 'gold');
    await contact('Two', 'Europe/Madrid', 'silver');
    await api
      .post('/appointments', { contactId: one!.id, startsAt: '2031-01-15T15:00:00Z', location: 'Main St' })
      .expect(201);
    await api
      .post(`/contacts/${one!.id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
    const counted = async (filter: object) =>
      (await api.post('/audiences/count', { filter }).expect(200)).body.count;
    expect(await counted({ timeZone: 'America/Chicago' })).toBe(1);
    expect(await counted({ attributes: { plan: 'silver' } })).toBe(1);
    expect(await counted({ appointments: { from: '2031-01-01', to: '2031-01-31' } })).toBe(1);
    expect(await counted({ appointments: { from: '2031-01-01', none: true } })).toBe(1);
    expect(await counted({ lastMessageAfter: '2020-01-01' })).toBe(0);
    expect(await counted({ lastVisitBefore: '2099-01-01' })).toBe(0);
    expect(await counted({ consent: { channel: 'sms', purpose: 'marketing', status: 'opted_in' } })).toBe(1);
    expect(await counted({ consent: { channel: 'sms', purpose: 'marketing', status: 'none' } })).toBe(1);
    expect(await counted({ reachableBy: ['sms'] })).toBe(2);
  } finally {
    await embedded.stop();
  }
});
