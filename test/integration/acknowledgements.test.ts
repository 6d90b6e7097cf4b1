import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// An answer to every message: once the clinic turns it on, a routine to urgent message gets a short
// acknowledgement in the patient's language, at most once per conversation in the clinic's window;
// an emergency gets the safety reply instead; the clinic edits the wording and turns it off.
let t: TestHub;
let admin: StaffApi;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

/** Texts the clinic and waits for triage to decide: any acknowledgement is written with that decision. */
async function texts(phone: string, body: string) {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; contact_id: string }>(
      t.database.url,
      'select conversation_id, contact_id from messages where from_address = $1 and body = $2 and triage is not null',
      [phone, body],
    );
    return row;
  });
}

async function acknowledgementsTo(phone: string) {
  return queryRows<{ body: string; conversation_id: string; created_at: Date }>(
    t.database.url,
    "select body, conversation_id, created_at from messages where to_address = $1 and automation = 'acknowledgement' order by created_at",
    [phone],
  );
}

test('off until the clinic turns it on; then once per conversation in the window, in the patient’s language', async () => {
  const before = await admin.get('/settings').expect(200);
  expect(before.body.settings.acknowledgement).toMatchObject({
    enabled: false,
    windowMinutes: 240,
    texts: {},
  });

  const quiet = randomUsPhone();
  await texts(quiet, 'Do you have parking at the clinic?');
  expect(await acknowledgementsTo(quiet)).toEqual([]);

  await admin.patch('/settings', { acknowledgement: { enabled: true } }).expect(200);
  const phone = randomUsPhone();
  const first = await texts(phone, 'Can I get a copy of my vaccination record?');
  const [ack] = await acknowledgementsTo(phone);
  expect(ack!.body).toMatch(
    /we got your message\. The clinic usually replies within \d+ hours; if this is an emergency, call 911/,
  );
  // It goes out like any reply: through the outbox to the provider.
  await eventually(async () =>
    t.twilio.messages.find((m) => m.params.To === phone && /we got your message/.test(String(m.params.Body))),
  );

  // A second message in the same conversation, inside the window: no second acknowledgement.
  const second = await texts(phone, 'Also, do you take walk-ins?');
  expect(second.conversation_id).toBe(first.conversation_id);
  expect(await acknowledgementsTo(phone)).toHaveLength(1);

  // Once the window has passed (the first moved back in time), the next message gets one again.
  await queryRows(
    t.database.url,
    "update messages set created_at = created_at - interval '5 hours' where to_address = $1 and automation = 'acknowledgement'",
    [phone],
  );
  await texts(phone, 'One more thing: is there a pharmacy nearby?');
  expect(await acknowledgementsTo(phone)).toHaveLength(2);

  // A Spanish-speaking patient is answered in Spanish.
  const spanish = randomUsPhone();
  await admin.post('/contacts', { name: 'Lucía', phone: spanish, language: 'es' }).expect(201);
  await texts(spanish, '¿Puedo cambiar la hora de mi cita?');
  const [spanishAck] = await acknowledgementsTo(spanish);
  expect(spanishAck!.body).toMatch(/recibimos su mensaje/);
});

test('an emergency gets the safety reply and no acknowledgement; a patient who opted out gets none', async () => {
  await admin.patch('/settings', { acknowledgement: { enabled: true } }).expect(200);
  const phone = randomUsPhone();
  await texts(phone, 'crushing chest pain and my left arm is numb');
  expect(await acknowledgementsTo(phone)).toEqual([]);
  const [safety] = await queryRows(
    t.database.url,
    "select 1 from messages where to_address = $1 and automation = 'emergency_safety_reply'",
    [phone],
  );
  expect(safety).toBeDefined();

  const stopped = randomUsPhone();
  await t.postInboundSms({ From: stopped, Body: 'STOP' }).expect(200);
  await texts(stopped, 'Actually, when are you open on Friday?');
  expect(await acknowledgementsTo(stopped)).toEqual([]);
});

test('the clinic’s own wording, its window, and the off switch, for admins only', async () => {
  const custom =
    'Thanks for writing to Riverside. A person reads every message on weekdays. Emergency? Call 911.';
  const changed = await admin
    .patch('/settings', { acknowledgement: { enabled: true, windowMinutes: 60, texts: { en: custom } } })
    .expect(200);
  expect(changed.body.settings.acknowledgement).toMatchObject({
    enabled: true,
    windowMinutes: 60,
    texts: { en: custom },
  });
  const phone = randomUsPhone();
  await texts(phone, 'Is Dr. Lee in on Tuesdays?');
  expect((await acknowledgementsTo(phone)).map((a) => a.body)).toEqual([custom]);

  const bad = await admin.patch('/settings', { acknowledgement: { windowMinutes: 1 } }).expect(400);
  expect(bad.body.error.code).toBe('validation_failed');
  const long = await admin
    .patch('/settings', { acknowledgement: { texts: { en: 'x'.repeat(321) } } })
    .expect(400);
  expect(long.body.error.code).toBe('validation_failed');

  // An empty text goes back to the shipped wording; off means off.
  await admin.patch('/settings', { acknowledgement: { texts: { en: '' } } }).expect(200);
  const shipped = randomUsPhone();
  await texts(shipped, 'Do you offer flu shots?');
  expect((await acknowledgementsTo(shipped))[0]!.body).toMatch(/we got your message/);
  const off = await admin.patch('/settings', { acknowledgement: { enabled: false } }).expect(200);
  expect(off.body.settings.acknowledgement).toMatchObject({ enabled: false, windowMinutes: 60, texts: {} });
  const later = randomUsPhone();
  await texts(later, 'What is your fax number?');
  expect(await acknowledgementsTo(later)).toEqual([]);
});
