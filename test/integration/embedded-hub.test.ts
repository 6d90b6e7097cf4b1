import {
  CLINIC_NUMBER,
  type EmbeddedTestHub,
  eventually,
  randomUsPhone,
  type StaffApi,
  startEmbeddedTestHub,
} from '../support/test-hub';

// Plain `npm start` runs the hub on embedded PGlite (no DATABASE_URL). The whole path a clinic runs
// first, on that store, through the public surface only: a Twilio-signed webhook is stored through
// the SQL function, triaged by the worker, shown to staff, answered, and the answer leaves through
// the Twilio API (a local stand-in) and is then reported delivered.
jest.setTimeout(120_000);

let t: EmbeddedTestHub;
let api: StaffApi;
beforeAll(async () => {
  t = await startEmbeddedTestHub();
  api = await t.api();
});
afterAll(async () => {
  await t.stop();
});

interface DetailMessage {
  id: string;
  direction: string;
  body: string;
  status: string;
  triage: { intent: string; queue: string } | null;
}

const detail = async (id: string) =>
  (await api.get(`/conversations/${id}`).expect(200)).body.conversation as {
    queue: string;
    messages: DetailMessage[];
  };

test('the hub runs on PGlite: no database server is configured', () => {
  expect(t.hub.config.DATABASE_URL).toBeUndefined();
});

test('signed SMS webhook → stored → triaged → staff reply sent through Twilio → delivered', async () => {
  const phone = randomUsPhone();
  const body = 'Could you refill my lisinopril prescription please';
  await t.postInboundSms({ From: phone, Body: body }).expect(200);

  // Stored and triaged: the conversation is found by its words and routed to the refills queue.
  const conversationId = await eventually(async () => {
    const list = await api.get(`/conversations?q=${encodeURIComponent('lisinopril')}`).expect(200);
    const found = (list.body.conversations as { id: string; snippet: string }[]).find(
      (c) => c.snippet === body,
    );
    return found?.id;
  });
  const triaged = await eventually(async () => {
    const conversation = await detail(conversationId);
    const inbound = conversation.messages.find((m) => m.direction === 'inbound');
    return inbound?.triage ? conversation : null;
  });
  expect(triaged.queue).toBe('refills');
  expect(triaged.messages.find((m) => m.direction === 'inbound')?.triage).toMatchObject({
    intent: 'refill',
    queue: 'refills',
  });

  const sentBefore = t.twilio.messages.length;
  const reply = 'Your refill is ready for pick-up tomorrow.';
  const accepted = await api
    .post(`/conversations/${conversationId}/messages`, { body: reply, sensitivity: 'limited' })
    .expect(202);
  const replyId = accepted.body.message.id as string;

  const sent = await eventually(async () =>
    t.twilio.messages.slice(sentBefore).find((m) => m.params.To === phone && m.params.Body === reply),
  );
  expect(sent.params.From).toBe(CLINIC_NUMBER);
  expect(sent.authorized).toBe(true);

  await t.postStatus({ MessageSid: sent.sid, MessageStatus: 'delivered' }).expect(200);
  await eventually(async () => {
    const conversation = await detail(conversationId);
    return conversation.messages.find((m) => m.id === replyId)?.status === 'delivered';
  });
});

test('a retried webhook (same MessageSid) is stored once', async () => {
  const phone = randomUsPhone();
  const fields = {
    From: phone,
    Body: 'What time do you open on Saturday?',
    MessageSid: `SM${'7'.repeat(32)}`,
  };
  await t.postInboundSms(fields).expect(200);
  await t.postInboundSms(fields).expect(200);
  const list = await api.get(`/conversations?q=${encodeURIComponent('Saturday')}`).expect(200);
  const mine = (list.body.conversations as { id: string; displayAddress: string | null }[]).filter((c) =>
    (c.displayAddress ?? '').replace(/\D/g, '').endsWith(phone.slice(-4)),
  );
  expect(mine).toHaveLength(1);
  const conversation = await detail(mine[0]!.id);
  expect(conversation.messages.filter((m) => m.direction === 'inbound')).toHaveLength(1);
});
