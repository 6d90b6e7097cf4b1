import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import {
  eventually,
  randomUsPhone,
  type StaffApi,
  staffApiAs,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Hubs start and sends cross processes: generous on a loaded machine; every wait is for a state.
jest.setTimeout(120_000);

type Received = { type: string; [key: string]: unknown };

let t: TestHub;
let api: StaffApi;
let socket: Socket;
const received: Received[] = [];

beforeAll(async () => {
  t = await startTestHub();
  api = await t.api();
  socket = connect(`${t.hub.url}/inbox`, {
    auth: { token: await t.staffToken() },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  socket.onAny((type: string, payload: Record<string, unknown>) => received.push({ ...payload, type }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
});
afterAll(async () => {
  socket.disconnect();
  await t.stop();
});

/** A patient writes in; the conversation's id and queue. */
async function conversationOf(phone: string): Promise<{ id: string; queue: string }> {
  await t.postInboundSms({ From: phone, Body: 'what time do you open on monday' }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ id: string; queue: string }>(
      t.database.url,
      `select c.id, c.queue from conversations c join messages m on m.conversation_id = c.id
        where m.from_address = $1 and c.queue is not null`,
      [phone],
    );
    return row;
  });
}

async function failedSendsIn(queue: string): Promise<number> {
  const res = await api.get('/queues').expect(200);
  return (res.body.queues as { id: string; failedSends: number }[]).find((q) => q.id === queue)!.failedSends;
}

/** A reply that Twilio refuses for good: the patient blocked the clinic's number (error 21610). */
async function replyThatFails(conversationId: string, phone: string, body: string): Promise<string> {
  t.twilio.enqueueReplies({
    to: phone,
    kind: 'error',
    status: 400,
    code: 21610,
    message: 'Attempt to send to unsubscribed recipient',
  });
  const res = await api
    .post(`/conversations/${conversationId}/messages`, { body, sensitivity: 'limited' })
    .expect(202);
  const id = res.body.message.id as string;
  await eventually(
    async () => received.find((e) => e.type === 'message.failed' && e.messageId === id),
    30_000,
  );
  return id;
}

test('a send that failed for good shows in the conversation with its reason in words, in the queue count, and live on the socket', async () => {
  const phone = randomUsPhone();
  const conversation = await conversationOf(phone);
  const before = await failedSendsIn(conversation.queue);
  const id = await replyThatFails(conversation.id, phone, 'We moved your visit to 3pm');

  const event = received.find((e) => e.type === 'message.failed' && e.messageId === id)!;
  // Ids, codes and the queue only: the page refetches what it shows.
  expect(event).toMatchObject({
    conversationId: conversation.id,
    queue: conversation.queue,
    errorCode: 'twilio_21610',
  });
  expect(JSON.stringify(event)).not.toContain('3pm');

  const detail = await api.get(`/conversations/${conversation.id}`).expect(200);
  const failed = (detail.body.conversation.messages as Record<string, unknown>[]).find((m) => m.id === id);
  expect(failed).toMatchObject({
    status: 'failed',
    errorCode: 'twilio_21610',
    failure: { reason: expect.stringMatching(/blocked texts from the clinic/), retriedAs: null },
  });
  expect(await failedSendsIn(conversation.queue)).toBe(before + 1);

  // Retry: a new outbox row, through policy, sent; the failed one stays failed and names it.
  const retry = await api.post(`/messages/${id}/retry`, {}).expect(202);
  const retryId = retry.body.message.id as string;
  expect(retryId).not.toBe(id);
  expect(retry.body).toMatchObject({ retryOf: id, decision: { allowed: true, channel: 'sms' } });
  await eventually(async () => {
    const [row] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [retryId],
    );
    return row?.status === 'queued';
  });
  expect(t.twilio.messages.filter((m) => m.params.Body === 'We moved your visit to 3pm')).toHaveLength(1);
  const after = await api.get(`/conversations/${conversation.id}`).expect(200);
  const old = (after.body.conversation.messages as Record<string, unknown>[]).find((m) => m.id === id);
  expect(old).toMatchObject({ status: 'failed', failure: { retriedAs: retryId } });
  expect(await failedSendsIn(conversation.queue)).toBe(before);

  const again = await api.post(`/messages/${id}/retry`, {}).expect(409);
  expect(again.body.error.code).toBe('already_retried');
});

test('a retry goes through policy again: to a patient who opted out since, it is refused (422) and nothing is sent', async () => {
  const phone = randomUsPhone();
  const conversation = await conversationOf(phone);
  const id = await replyThatFails(conversation.id, phone, 'Reminder: fasting before your blood test');
  const sendsBefore = t.twilio.requestCount;
  await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
  // The opt-out's confirmation went out: the ledger entry is committed.
  await eventually(async () => t.twilio.requestCount > sendsBefore);

  const refused = await api.post(`/messages/${id}/retry`, {}).expect(422);
  expect(refused.body.error.code).toBe('consent_opted_out');
  const [row] = await queryRows<{ retried_as: string | null; retried_at: Date | null }>(
    t.database.url,
    'select retried_as, retried_at from messages where id = $1',
    [id],
  );
  expect(row).toEqual({ retried_as: null, retried_at: null });
  expect(await failedSendsIn(conversation.queue)).toBeGreaterThanOrEqual(1);
  expect(
    t.twilio.messages.filter((m) => m.params.Body === 'Reminder: fasting before your blood test'),
  ).toHaveLength(0);
});

test('retry: an agent of another queue is refused, anonymous is 401, and a message that did not fail cannot be retried', async () => {
  const phone = randomUsPhone();
  const conversation = await conversationOf(phone);
  const failedId = await replyThatFails(conversation.id, phone, 'Your card on file expired');
  await api
    .post('/staff', {
      email: 'other.queue.agent@clinic.test',
      name: 'Other Queue',
      role: 'agent',
      password: 'other-queue-agent-password',
      queues: [conversation.queue === 'billing' ? 'refills' : 'billing'],
    })
    .expect(201);
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'other.queue.agent@clinic.test', password: 'other-queue-agent-password' })
    .expect(200);
  const forbidden = await staffApiAs(t.hub.url, login.body.token)
    .post(`/messages/${failedId}/retry`, {})
    .expect(403);
  expect(forbidden.body.error.code).toBe('forbidden_queue');
  await request(t.hub.url).post(`/api/v1/messages/${failedId}/retry`).send({}).expect(401);

  const res = await api
    .post(`/conversations/${conversation.id}/messages`, { body: 'See you tomorrow', sensitivity: 'limited' })
    .expect(202);
  const id = res.body.message.id as string;
  await eventually(async () => {
    const [row] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [id],
    );
    return row?.status === 'queued';
  });
  const notFailed = await api.post(`/messages/${id}/retry`, {}).expect(409);
  expect(notFailed.body.error.code).toBe('message_not_failed');
  await api.post('/messages/00000000-0000-4000-8000-000000000000/retry', {}).expect(404);
  const malformed = await api.post('/messages/not-an-id/retry', {}).expect(400);
  expect(malformed.body.error.code).toBeDefined();
});
