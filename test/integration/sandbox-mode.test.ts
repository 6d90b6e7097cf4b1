import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// No Twilio credentials at all: what `npm start` gives a newcomer.
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    env: { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM_NUMBER: '', TWILIO_API_URL: '' },
  });
});
afterAll(async () => {
  await t.stop();
});

test('a patient played through the sandbox lands in a conversation; the reply is recorded, nothing leaves', async () => {
  const auth = { Authorization: `Bearer ${await t.staffToken()}` };
  const phone = randomUsPhone();
  await request(t.hub.url)
    .post('/api/v1/sandbox/sms/inbound')
    .set(auth)
    .send({ from: phone, body: 'Is my prescription ready?' })
    .expect(202);
  const [inbound] = await queryRows<{ conversation_id: string; triage: { intent: string } | null }>(
    t.database.url,
    'select conversation_id, triage from messages where from_address = $1',
    [phone],
  );
  expect(inbound).toBeDefined();

  const reply = await request(t.hub.url)
    .post(`/api/v1/conversations/${inbound!.conversation_id}/messages`)
    .set(auth)
    .send({ body: 'Yes, it is ready for pickup.', sensitivity: 'limited' })
    .expect(202);
  const sent = await eventually(async () => {
    const [row] = await queryRows<{ status: string; channel_meta: { sandbox?: boolean } }>(
      t.database.url,
      'select status, channel_meta from messages where id = $1',
      [reply.body.message.id],
    );
    return row?.status === 'delivered' ? row : null;
  });
  expect(sent.channel_meta.sandbox).toBe(true);
  expect(t.twilio.requestCount).toBe(0);
});

test('sandbox webhooks are still signature-checked: unsigned or wrongly signed posts get 403', async () => {
  const form = {
    MessageSid: `SM${'0'.repeat(32)}`,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: randomUsPhone(),
    To: '+15005550006',
    Body: 'x',
  };
  await request(t.hub.url).post('/webhooks/twilio/sms').type('form').send(form).expect(403);
  await request(t.hub.url)
    .post('/webhooks/twilio/sms')
    .type('form')
    .set('X-Twilio-Signature', 'AAAA')
    .send(form)
    .expect(403);
});

test('the sandbox endpoint needs a staff token and a sandboxed channel, and passes webhook errors on', async () => {
  await request(t.hub.url)
    .post('/api/v1/sandbox/sms/inbound')
    .send({ from: randomUsPhone(), body: 'x' })
    .expect(401);
  const auth = { Authorization: `Bearer ${await t.staffToken()}` };
  await request(t.hub.url)
    .post('/api/v1/sandbox/fax/inbound')
    .set(auth)
    .send({ from: '1', body: 'x' })
    .expect(404);
  const bad = await request(t.hub.url)
    .post('/api/v1/sandbox/sms/inbound')
    .set(auth)
    .send({ from: 'not a phone', body: 'x' })
    .expect(400);
  expect(bad.body.error.message).toContain('From');
});
