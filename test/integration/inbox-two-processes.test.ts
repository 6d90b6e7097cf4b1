import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { conversationRoom } from '../../src/inbox/realtime/inbox-rooms';
import { createStaffUser } from '../../src/staff/staff-directory';
import { type HubProcess, startHubProcess } from '../support/hub-process';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  messageSid,
  PUBLIC_URL,
  randomUsPhone,
  startTestHub,
  type TestHub,
  testRedisUrl,
} from '../support/test-hub';
import { twilioSignature } from '../support/twilio-signing';

// Two hub processes of one deployment (same database, same Redis prefix): hub A in this jest
// process, hub B a separate OS process started the way production starts it. Staff connected to
// either one get the events committed by the other, through the socket.io Redis Streams adapter.
jest.setTimeout(90_000);

type Received = { type: string; id: number; messageId?: string; [key: string]: unknown };

let a: TestHub;
let b: HubProcess;
const sockets: Socket[] = [];

beforeAll(async () => {
  a = await startTestHub();
  b = await startHubProcess({
    PUBLIC_URL,
    DATABASE_URL: a.database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: a.queuePrefix,
    // B takes webhooks and sockets; A's workers triage and send for both.
    RUN_WORKERS: 'false',
    TWILIO_ACCOUNT_SID: a.twilio.accountSid,
    TWILIO_AUTH_TOKEN: a.authToken,
    TWILIO_FROM_NUMBER: CLINIC_NUMBER,
    TWILIO_API_URL: a.twilio.url,
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await b?.stop();
  await a?.stop();
});

async function openSocket(url: string, token?: string): Promise<{ socket: Socket; received: Received[] }> {
  const received: Received[] = [];
  const socket = connect(`${url}/inbox`, {
    auth: { token: token ?? (await a.staffToken()) },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  socket.onAny((type: string, payload: Received) => received.push({ ...payload, type }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  // Both processes see the socket through the adapter before anything is committed.
  await eventually(async () => (await a.hub.io.of('/inbox').fetchSockets()).some((s) => s.id === socket.id));
  return { socket, received };
}

async function inboundMessageId(from: string): Promise<string> {
  return eventually(async () => {
    const [row] = await queryRows<{ id: string }>(
      a.database.url,
      "select id from messages where from_address = $1 and direction = 'inbound'",
      [from],
    );
    return row?.id;
  });
}

test('process B is a separate OS process that answers on its own port', async () => {
  expect(b.child.pid).not.toBe(process.pid);
  expect(b.url).not.toBe(a.hub.url);
  await request(b.url).get('/healthz').expect(200);
});

test('a staff socket on process B receives message.created for an inbound SMS posted to process A, once', async () => {
  const { received } = await openSocket(b.url);
  const phone = randomUsPhone();
  await a.postInboundSms({ From: phone, Body: 'can I book a flu shot?' }).expect(200);
  const messageId = await inboundMessageId(phone);
  const event = await eventually(async () =>
    received.find((e) => e.type === 'message.created' && e.messageId === messageId),
  );
  expect(event).toMatchObject({ channel: 'sms', direction: 'inbound', status: 'received' });
  expect(JSON.stringify(event)).not.toMatch(/flu shot/);
  // Triage ran in A (B runs no workers); its update reaches B's socket too.
  await eventually(async () =>
    received.find((e) => e.type === 'conversation.updated' && e.conversationId === event.conversationId),
  );
  expect(received.filter((e) => e.type === 'message.created' && e.messageId === messageId)).toHaveLength(1);
});

test('and the other way: an SMS posted to process B reaches a staff socket on process A', async () => {
  const { received } = await openSocket(a.hub.url);
  const phone = randomUsPhone();
  const params = {
    AccountSid: a.twilio.accountSid,
    MessageSid: messageSid(),
    From: phone,
    To: CLINIC_NUMBER,
    Body: 'running late for my 3pm',
    NumMedia: '0',
  };
  await request(b.url)
    .post('/webhooks/twilio/sms')
    .type('form')
    .set('X-Twilio-Signature', twilioSignature(a.authToken, `${PUBLIC_URL}/webhooks/twilio/sms`, params))
    .send(params)
    .expect(200);
  const messageId = await inboundMessageId(phone);
  await eventually(async () =>
    received.find((e) => e.type === 'message.created' && e.messageId === messageId),
  );
  expect(received.filter((e) => e.type === 'message.created' && e.messageId === messageId)).toHaveLength(1);
});

test('a transfer through A takes an agent’s socket on B out of the conversation room', async () => {
  await createStaffUser(a.hub.database.db, {
    orgId: a.hub.org.id,
    email: 'front.agent@clinic.test',
    name: 'Front Agent',
    role: 'agent',
    password: 'front-agent-password',
    queues: ['front-desk'],
  });
  const login = await request(a.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'front.agent@clinic.test', password: 'front-agent-password' })
    .expect(200);
  const { socket, received } = await openSocket(b.url, login.body.token);
  const phone = randomUsPhone();
  await a.postInboundSms({ From: phone, Body: 'what time do you open tomorrow?' }).expect(200);
  const messageId = await inboundMessageId(phone);
  const created = await eventually(async () =>
    received.find((e) => e.type === 'message.created' && e.messageId === messageId),
  );
  const conversationId = created.conversationId as string;
  expect(await socket.timeout(2000).emitWithAck('subscribe', { conversationId })).toEqual({ ok: true });
  const room = conversationRoom(conversationId);
  const members = async () => (await a.hub.io.of('/inbox').in(room).fetchSockets()).map((s) => s.id);
  await eventually(async () => (await members()).includes(socket.id!));

  const api = await a.api();
  await api.post(`/conversations/${conversationId}/transfer`, { queue: 'billing' }).expect(200);
  await eventually(async () =>
    received.find((e) => e.type === 'conversation.updated' && e.change === 'transferred'),
  );
  await eventually(async () => !(await members()).includes(socket.id!));
});
