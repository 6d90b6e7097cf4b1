import { queryRows } from '../support/test-database';
import { randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ runWorkers: false });
});
afterAll(async () => {
  await t.stop();
});

const api = () => t.api();

test('create and update a contact: normalized phone and email, date of birth, language, time zone, preferences', async () => {
  const client = await api();
  const created = await client
    .post('/contacts', {
      name: 'Ana Ruiz',
      phone: '(415) 555-0187',
      email: ' Ana.Ruiz@Example.ORG ',
      dateOfBirth: '1984-02-29',
      language: 'es',
      timeZone: 'America/Chicago',
      channelPreferences: ['sms', 'email'],
    })
    .expect(201);
  expect(created.body.contact).toMatchObject({
    name: 'Ana Ruiz',
    phone: '+14155550187',
    email: 'ana.ruiz@example.org',
    dateOfBirth: '1984-02-29',
    language: 'es',
    timeZone: 'America/Chicago',
    channelPreferences: ['sms', 'email'],
  });
  const id = created.body.contact.id as string;
  const updated = await client.patch(`/contacts/${id}`, { email: null, language: 'en' }).expect(200);
  expect(updated.body.contact).toMatchObject({ email: null, language: 'en', phone: '+14155550187' });
  const audits = await queryRows(
    t.database.url,
    "select 1 from audit_log where subject_id = $1 and action like 'contact.%'",
    [id],
  );
  expect(audits).toHaveLength(2);
});

test('an inbound text from a number staff registered joins that contact', async () => {
  const client = await api();
  const phone = randomUsPhone();
  const created = await client.post('/contacts', { name: 'Lee Park', phone }).expect(201);
  await t.postInboundSms({ From: phone, Body: 'hello it is Lee' }).expect(200);
  const [row] = await queryRows<{ contact_id: string }>(
    t.database.url,
    "select contact_id from messages where body = 'hello it is Lee'",
  );
  expect(row!.contact_id).toBe(created.body.contact.id);
});

test.each([
  [{ phone: 'not a phone' }, 'phone'],
  [{ email: 'nope' }, 'email'],
  [{ dateOfBirth: '03/04/1990' }, 'dateOfBirth'],
  [{ dateOfBirth: '2999-01-01' }, 'dateOfBirth'],
  [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
  [{ language: 'english' }, 'language'],
  [{ channelPreferences: ['pigeon'] }, 'channelPreferences'],
])('bad input %p: 400 naming %s, nothing written', async (body, field) => {
  const client = await api();
  const before = await queryRows(t.database.url, 'select 1 from contacts');
  const res = await client.post('/contacts', { name: 'X', ...body }).expect(400);
  expect(res.body.error.message).toContain(field);
  expect(await queryRows(t.database.url, 'select 1 from contacts')).toHaveLength(before.length);
});

test('a phone number that belongs to another contact is refused with 409, never merged', async () => {
  const client = await api();
  const phone = randomUsPhone();
  const first = await client.post('/contacts', { name: 'First', phone }).expect(201);
  const res = await client.post('/contacts', { name: 'Second', phone }).expect(409);
  expect(res.body.error).toMatchObject({
    code: 'identity_taken',
    details: { contactId: first.body.contact.id },
  });
  expect(
    await queryRows(t.database.url, "select 1 from contacts where display_name = 'Second'"),
  ).toHaveLength(0);
});

test('consents: recorded by staff, listed newest first; unencrypted PHI needs the warning text', async () => {
  const client = await api();
  const phone = randomUsPhone();
  const contact = (await client.post('/contacts', { name: 'C', phone }).expect(201)).body.contact;
  await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
  await client
    .post(`/contacts/${contact.id}/consents`, { channel: 'email', purpose: 'marketing', status: 'opted_in' })
    .expect(201);
  await client
    .post(`/contacts/${contact.id}/consents`, {
      channel: 'email',
      purpose: 'unencrypted_phi',
      status: 'opted_in',
    })
    .expect(422);
  await client
    .post(`/contacts/${contact.id}/consents`, {
      channel: 'email',
      purpose: 'unencrypted_phi',
      status: 'opted_in',
      warningText: 'Email is not encrypted; others may read it.',
    })
    .expect(201);
  const res = await client.get(`/contacts/${contact.id}/consents`).expect(200);
  expect(
    res.body.consents.map((c: { purpose: string; status: string }) => `${c.purpose}:${c.status}`),
  ).toEqual(['unencrypted_phi:opted_in', 'marketing:opted_in', 'all:opted_out']);
  expect(res.body.consents[0].note).toContain('not encrypted');
  await client.get('/contacts/00000000-0000-4000-8000-000000000000/consents').expect(404);
});
