import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { purgeExpiredIdempotencyKeys } from '../../src/platform/http/idempotent-writes';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// Hubs start and sends cross processes: generous on a loaded machine; every wait is for a state.
jest.setTimeout(120_000);

let t: TestHub;
let token: string;
beforeAll(async () => {
  t = await startTestHub();
  token = await t.staffToken();
});
afterAll(async () => {
  await t.stop();
});

const post = (path: string, body: object, key?: string, as = token) => {
  const req = request(t.hub.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${as}`);
  return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
};

async function conversationOf(phone: string): Promise<string> {
  await t.postInboundSms({ From: phone, Body: 'hello' }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where from_address = $1',
    [phone],
  );
  return row!.conversation_id;
}

const rowsWithBody = async (body: string) =>
  (await queryRows<{ id: string }>(t.database.url, 'select id from messages where body = $1', [body])).length;

test('the same key and body replays the first answer; the reply is stored and sent once', async () => {
  const conversationId = await conversationOf(randomUsPhone());
  const key = randomUUID();
  const body = { body: 'Your refill was sent to the pharmacy', sensitivity: 'limited' };
  const first = await post(`/conversations/${conversationId}/messages`, body, key).expect(202);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const again = await post(`/conversations/${conversationId}/messages`, body, key).expect(202);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.body).toEqual(first.body);
  expect(await rowsWithBody('Your refill was sent to the pharmacy')).toBe(1);
  await eventually(async () =>
    t.twilio.messages.some((m) => m.params.Body === 'Your refill was sent to the pharmacy'),
  );

  // Another body under the same key is refused, and nothing is stored for it.
  const reused = await post(
    `/conversations/${conversationId}/messages`,
    { body: 'Something else entirely', sensitivity: 'limited' },
    key,
  ).expect(409);
  expect(reused.body.error.code).toBe('idempotency_key_reused');
  expect(await rowsWithBody('Something else entirely')).toBe(0);
  // So is the same body on another path.
  const otherPath = await post('/outbound', body, key).expect(409);
  expect(otherPath.body.error.code).toBe('idempotency_key_reused');
});

test('concurrent duplicates: one request runs, the others wait their turn or get 409 in progress; one send reaches Twilio', async () => {
  const conversationId = await conversationOf(randomUsPhone());
  const key = randomUUID();
  const body = { body: 'Please bring your insurance card', sensitivity: 'limited' };
  const answers = await Promise.all(
    Array.from({ length: 6 }, () => post(`/conversations/${conversationId}/messages`, body, key)),
  );
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
  for (const answer of answers) {
    if (answer.status === 409) expect(answer.body.error.code).toBe('idempotency_in_progress');
    else expect(answer.status).toBe(202);
  }
  const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.message.id));
  expect(ids.size).toBe(1);
  expect(await rowsWithBody('Please bring your insurance card')).toBe(1);
  // A retry after the first answer gets that answer.
  const later = await post(`/conversations/${conversationId}/messages`, body, key).expect(202);
  expect(later.body.message.id).toBe([...ids][0]);
  const [id] = [...ids];
  await eventually(async () => {
    const [row] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [id],
    );
    return row?.status === 'queued';
  });
  expect(t.twilio.messages.filter((m) => m.params.Body === 'Please bring your insurance card')).toHaveLength(
    1,
  );
});

test('notes, contacts, outbound messages and appointments replay their first answer under a key', async () => {
  const phone = randomUsPhone();
  const conversationId = await conversationOf(phone);
  const noteKey = randomUUID();
  const note = await post(`/conversations/${conversationId}/notes`, { body: 'called back' }, noteKey).expect(
    201,
  );
  const noteAgain = await post(
    `/conversations/${conversationId}/notes`,
    { body: 'called back' },
    noteKey,
  ).expect(201);
  expect(noteAgain.body.note.id).toBe(note.body.note.id);

  const contactKey = randomUUID();
  const contactBody = { name: 'Idem Potent', phone: randomUsPhone() };
  const contact = await post('/contacts', contactBody, contactKey).expect(201);
  const contactAgain = await post('/contacts', contactBody, contactKey).expect(201);
  expect(contactAgain.body.contact.id).toBe(contact.body.contact.id);

  const outboundKey = randomUUID();
  const outboundBody = { to: { phone }, body: 'Clinic closed Friday', sensitivity: 'public' };
  const sent = await post('/outbound', outboundBody, outboundKey).expect(202);
  const sentAgain = await post('/outbound', outboundBody, outboundKey).expect(202);
  expect(sentAgain.body.message.id).toBe(sent.body.message.id);
  expect(await rowsWithBody('Clinic closed Friday')).toBe(1);

  const appointmentKey = randomUUID();
  const appointmentBody = {
    contactId: contact.body.contact.id,
    startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    location: 'Main street clinic',
  };
  const booked = await post('/appointments', appointmentBody, appointmentKey).expect(201);
  const bookedAgain = await post('/appointments', appointmentBody, appointmentKey).expect(201);
  expect(bookedAgain.body.appointment.id).toBe(booked.body.appointment.id);
});

test('keys belong to their staff member; a refused answer is kept too; a malformed key is 400', async () => {
  const conversationId = await conversationOf(randomUsPhone());
  const key = randomUUID();
  // A refused request (400: an empty body) is an answer too: replayed, not run again.
  const refused = await post(`/conversations/${conversationId}/messages`, { body: ' ' }, key).expect(400);
  const refusedAgain = await post(`/conversations/${conversationId}/messages`, { body: ' ' }, key).expect(
    400,
  );
  expect(refusedAgain.body).toEqual(refused.body);
  expect(refusedAgain.headers['idempotent-replayed']).toBe('true');

  await request(t.hub.url)
    .post('/api/v1/staff')
    .set('Authorization', `Bearer ${token}`)
    .send({
      email: 'second.staff@clinic.test',
      name: 'Second',
      role: 'admin',
      password: 'second-staff-password',
    })
    .expect(201);
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'second.staff@clinic.test', password: 'second-staff-password' })
    .expect(200);
  const hers = await post(
    `/conversations/${conversationId}/messages`,
    { body: 'Same key, another colleague', sensitivity: 'limited' },
    key,
    login.body.token,
  ).expect(202);
  expect(hers.headers['idempotent-replayed']).toBeUndefined();

  const bad = await post(
    `/conversations/${conversationId}/messages`,
    { body: 'x' },
    'has spaces in it',
  ).expect(400);
  expect(bad.body.error.code).toBe('invalid_idempotency_key');
});

test('keys older than 24 hours are purged, and an expired key counts as new', async () => {
  const conversationId = await conversationOf(randomUsPhone());
  const key = randomUUID();
  await post(`/conversations/${conversationId}/notes`, { body: 'first use' }, key).expect(201);
  await queryRows(
    t.database.url,
    "update idempotency_keys set created_at = now() - interval '25 hours' where key = $1",
    [key],
  );
  // Expired: another body under it runs as a new request.
  const fresh = await post(`/conversations/${conversationId}/notes`, { body: 'second use' }, key).expect(201);
  expect(fresh.headers['idempotent-replayed']).toBeUndefined();
  await queryRows(
    t.database.url,
    "update idempotency_keys set created_at = now() - interval '25 hours' where key = $1",
    [key],
  );
  expect(await purgeExpiredIdempotencyKeys(t.hub.database.db)).toBeGreaterThanOrEqual(1);
  expect(
    await queryRows(t.database.url, 'select 1 from idempotency_keys where key = $1', [key]),
  ).toHaveLength(0);
});
