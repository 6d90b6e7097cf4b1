import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

type Payload = Record<string, unknown>;
interface ChatClient {
  socket: Socket;
  events: { type: string; payload: Payload }[];
}
interface ChatMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: string;
  clientId?: string;
}

let t: TestHub;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Always open: the after-hours notice has its own hub below.
  t = await startTestHub({ env: { CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00' } });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t.stop();
});

/** A visitor's socket on `/chat` that records every event it receives. */
function openChat(url: string, auth: Payload = {}): ChatClient {
  const socket = connect(`${url}/chat`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events: ChatClient['events'] = [];
  socket.onAny((type: string, payload: Payload) => events.push({ type, payload }));
  sockets.push(socket);
  return { socket, events };
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function waitForEvent(client: ChatClient, type: string, match: (p: Payload) => boolean = () => true) {
  return eventually(async () => client.events.find((e) => e.type === type && match(e.payload))?.payload);
}

/** Connects and waits for the greeting: the session, the clinic status and the history. */
async function visitor(url = t.hub.url, auth: Payload = {}) {
  const client = openChat(url, auth);
  await connected(client.socket);
  const session = (await waitForEvent(client, 'session')) as { token: string; verified: boolean };
  const history = (await waitForEvent(client, 'history')) as { messages: ChatMessage[] };
  return { ...client, token: session.token, sessionId: session.token.split('.')[0]!, session, history };
}

const say = (socket: Socket, body: unknown, clientId: unknown = randomUUID()) =>
  socket.timeout(5000).emitWithAck('message', { clientId, body }) as Promise<Payload>;

async function messagesOfSession(sessionId: string) {
  return queryRows<{ id: string; direction: string; status: string; body: string; conversation_id: string }>(
    t.database.url,
    `select id, direction, status, body, conversation_id from messages
     where channel = 'webchat' and (from_address = $1 or to_address = $1) order by created_at, id`,
    [sessionId],
  );
}

async function staffReply(conversationId: string, body: string, sensitivity = 'limited') {
  const api = await t.api();
  return api.post(`/conversations/${conversationId}/messages`, { body, sensitivity });
}

/** A staff member's `/inbox` socket (the admin's token), recording what it receives. */
async function staffSocket(): Promise<ChatClient> {
  const socket = connect(`${t.hub.url}/inbox`, {
    auth: { token: await t.staffToken() },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events: ChatClient['events'] = [];
  socket.onAny((type: string, payload: Payload) => events.push({ type, payload }));
  sockets.push(socket);
  await connected(socket);
  return { socket, events };
}

async function follow(staff: ChatClient, conversationId: string) {
  expect(await staff.socket.timeout(5000).emitWithAck('subscribe', { conversationId })).toEqual({ ok: true });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function conversationOf(messageId: string): Promise<string> {
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where id = $1',
    [messageId],
  );
  return row!.conversation_id;
}

test('the page and the widget are served, the page with a strict CSP and no inline script', async () => {
  const page = await request(t.hub.url).get('/chat').expect(200);
  const csp = page.headers['content-security-policy'] as string;
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(page.text).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
  expect(page.text).toContain('If this is an emergency, call 911.');
  const widget = await request(t.hub.url).get('/chat/widget.js').expect(200);
  expect(widget.headers['content-type']).toMatch(/javascript/);
  expect(widget.text).toContain('/chat');
  await request(t.hub.url).get('/chat/socket.io.js').expect(200);
  await request(t.hub.url).get('/chat/chat.js').expect(200);
});

test('the /sandbox channel list has web chat with a link to /chat, after the sandboxed channels', async () => {
  const api = await t.api();
  const { channels } = (await api.get('/sandbox/channels').expect(200)).body as {
    channels: { channel: string; canReply: boolean; patientPage?: string }[];
  };
  expect(channels.find((c) => c.channel === 'webchat')).toEqual({
    channel: 'webchat',
    identityKind: 'webchat',
    canReply: false,
    patientPage: '/chat',
  });
  // This hub has Twilio credentials: SMS and voice are live, so not listed. Email (no SMTP_URL) and
  // Bot Framework are sandboxed, and come first: the page opens the first channel.
  expect(channels.map((c) => c.channel)).toEqual(['email', 'botframework', 'webchat']);
  expect(channels.slice(0, -1).every((c) => c.patientPage === undefined)).toBe(true);
  expect(channels.find((c) => c.channel === 'botframework')).toMatchObject({ canReply: false });
  // Listing is all: the phone's thread API stays for sandboxed channels only.
  await api.get('/sandbox/threads?channel=webchat&address=abcdefghijklmnopqrstuv').expect(404);
});

test('a visitor gets a signed session; a message lands in a conversation and is triaged', async () => {
  const v = await visitor();
  expect(v.token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  expect(v.session.verified).toBe(false);
  expect(await waitForEvent(v, 'welcome')).toMatchObject({ open: true, notice: null });
  expect(v.history.messages).toEqual([]);

  const ack = await say(v.socket, 'Can I move my appointment to Friday?');
  expect(ack).toMatchObject({ ok: true, duplicate: false });
  const [stored] = await messagesOfSession(v.sessionId);
  expect(stored).toMatchObject({ id: ack.messageId, direction: 'inbound', status: 'received' });
  const [identity] = await queryRows<{ kind: string }>(
    t.database.url,
    'select kind from contact_identities where address = $1',
    [v.sessionId],
  );
  expect(identity?.kind).toBe('webchat');
  const triage = await eventually(async () => {
    const [row] = await queryRows<{ triage: { intent: string } | null }>(
      t.database.url,
      'select triage from messages where id = $1',
      [ack.messageId],
    );
    return row?.triage;
  });
  expect(typeof triage.intent).toBe('string');
});

test('an emergency text escalates and the safety reply arrives in the chat', async () => {
  const v = await visitor();
  const ack = await say(v.socket, 'I have crushing chest pain and I cannot breathe');
  expect(ack.ok).toBe(true);
  const conversationId = await conversationOf(ack.messageId as string);
  const conversation = await eventually(async () => {
    const [row] = await queryRows<{ urgency: string; queue: string }>(
      t.database.url,
      'select urgency, queue from conversations where id = $1',
      [conversationId],
    );
    return row?.urgency === 'emergency' ? row : null;
  });
  expect(conversation.queue).toBe('nurse-triage');
  const reply = (await waitForEvent(
    v,
    'message',
    (p) => p.direction === 'outbound',
  )) as unknown as ChatMessage;
  expect(reply.body).toMatch(/911/);
});

test('a staff reply reaches the visitor; delivery and read receipts update its status', async () => {
  const v = await visitor();
  const ack = await say(v.socket, 'Do you take walk-ins?');
  const conversationId = await conversationOf(ack.messageId as string);
  const res = await staffReply(conversationId, 'Yes, until 4pm <b>today</b>.');
  expect(res.status).toBe(202);
  const reply = (await waitForEvent(
    v,
    'message',
    (p) => p.id === res.body.message.id,
  )) as unknown as ChatMessage;
  expect(reply).toMatchObject({
    direction: 'outbound',
    body: 'Yes, until 4pm <b>today</b>.',
    status: 'sent',
  });

  const statusOf = async () =>
    (
      await queryRows<{ status: string }>(t.database.url, 'select status from messages where id = $1', [
        reply.id,
      ])
    )[0]?.status;
  expect(await v.socket.timeout(5000).emitWithAck('delivered', { messageId: reply.id })).toEqual({
    ok: true,
  });
  await eventually(async () => (await statusOf()) === 'delivered');
  expect(await v.socket.timeout(5000).emitWithAck('read', { messageId: reply.id })).toEqual({ ok: true });
  await eventually(async () => (await statusOf()) === 'read');

  // Another session cannot acknowledge (or probe) this visitor's messages.
  const other = await visitor();
  expect(await other.socket.timeout(5000).emitWithAck('read', { messageId: reply.id })).toEqual({
    ok: false,
    code: 'not_found',
  });
});

test('a reconnect with lastMessageId resumes without loss or duplicates; a reload gets everything', async () => {
  const v = await visitor();
  const first = await say(v.socket, 'first question');
  const conversationId = await conversationOf(first.messageId as string);
  v.socket.disconnect();

  const replies = [];
  for (const body of ['answer one', 'answer two']) {
    const res = await staffReply(conversationId, body);
    expect(res.status).toBe(202);
    replies.push(res.body.message.id as string);
  }
  // Handed to the (empty) room while the visitor was away.
  await eventually(async () =>
    (await messagesOfSession(v.sessionId)).filter((m) => m.direction === 'outbound' && m.status === 'sent')
      .length === 2
      ? true
      : null,
  );

  const back = await visitor(t.hub.url, { session: v.token, lastMessageId: first.messageId });
  expect(back.sessionId).toBe(v.sessionId);
  expect(back.history.messages.map((m) => m.id)).toEqual(replies);
  expect(back.history.messages.map((m) => m.body)).toEqual(['answer one', 'answer two']);
  for (const id of replies) await back.socket.timeout(5000).emitWithAck('delivered', { messageId: id });
  // While connected, a new reply comes live and only once.
  const live = await staffReply(conversationId, 'answer three');
  await waitForEvent(back, 'message', (p) => p.id === live.body.message.id);
  await back.socket.timeout(5000).emitWithAck('delivered', { messageId: live.body.message.id });
  back.socket.disconnect();

  const again = await visitor(t.hub.url, { session: v.token, lastMessageId: live.body.message.id });
  expect(again.history.messages).toEqual([]);
  again.socket.disconnect();

  // A reload without a cursor: the whole session, oldest first, once each.
  const reload = await visitor(t.hub.url, { session: v.token });
  expect(reload.history.messages.map((m) => m.body)).toEqual([
    'first question',
    'answer one',
    'answer two',
    'answer three',
  ]);
  expect(reload.history.messages[0]).toMatchObject({ direction: 'inbound', clientId: expect.any(String) });
});

test('a repeated clientId stores one message', async () => {
  const v = await visitor();
  const clientId = randomUUID();
  const first = await say(v.socket, 'only once please', clientId);
  const second = await say(v.socket, 'only once please', clientId);
  expect(second).toMatchObject({ ok: true, duplicate: true, messageId: first.messageId });
  expect(await messagesOfSession(v.sessionId)).toHaveLength(1);
});

test('oversize and wrong-shape messages are refused and nothing is stored', async () => {
  const v = await visitor();
  expect(await say(v.socket, 'x'.repeat(2001))).toEqual({ ok: false, code: 'message_too_long' });
  expect(await say(v.socket, 42)).toEqual({ ok: false, code: 'invalid_message' });
  expect(await say(v.socket, '   ')).toEqual({ ok: false, code: 'invalid_message' });
  expect(await say(v.socket, 'hello', 'bad id!')).toEqual({ ok: false, code: 'invalid_message' });
  expect(
    await v.socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), body: 'hi', extra: true }),
  ).toEqual({ ok: false, code: 'invalid_message' });
  expect(await v.socket.timeout(5000).emitWithAck('message', 'just a string')).toEqual({
    ok: false,
    code: 'invalid_message',
  });
  expect(await messagesOfSession(v.sessionId)).toHaveLength(0);
  expect(await say(v.socket, 'x'.repeat(2000))).toMatchObject({ ok: true });
});

test('a session that sends too fast is rate limited', async () => {
  const v = await visitor();
  const answers = [];
  for (let i = 0; i < 21; i++) answers.push(await say(v.socket, `message ${i}`));
  expect(answers.slice(0, 20).every((a) => a.ok === true)).toBe(true);
  expect(answers[20]).toMatchObject({ ok: false, code: 'rate_limited' });
  expect(await messagesOfSession(v.sessionId)).toHaveLength(20);
});

test('an event over the size limit is refused on its ack or with `refused`; the connection stays up', async () => {
  const v = await visitor();
  expect(await say(v.socket, 'x'.repeat(20_000))).toEqual({
    ok: false,
    code: 'payload_too_large',
    maxBytes: 16 * 1024,
  });
  // No ack to answer on: a `refused` event says what was refused.
  v.socket.emit('typing', { junk: 'y'.repeat(20_000) });
  expect(await waitForEvent(v, 'refused')).toEqual({
    ok: false,
    code: 'payload_too_large',
    maxBytes: 16 * 1024,
    event: 'typing',
  });
  expect(await v.socket.timeout(5000).emitWithAck('no.such.event', {})).toEqual({
    ok: false,
    code: 'unknown_event',
  });
  expect(v.socket.connected).toBe(true);
  expect(await say(v.socket, 'still here')).toMatchObject({ ok: true });
  expect((await messagesOfSession(v.sessionId)).map((m) => m.body)).toEqual(['still here']);
});

test('beyond the socket server’s 1 MB buffer socket.io drops the connection; nothing is stored', async () => {
  const v = await visitor();
  const dropped = new Promise<string>((resolve) => v.socket.once('disconnect', resolve));
  v.socket.emit('message', { clientId: randomUUID(), body: 'z'.repeat(1_100_000) });
  expect(await dropped).toMatch(/transport/);
  expect(await messagesOfSession(v.sessionId)).toHaveLength(0);
});

describe('typing', () => {
  test('staff typing reaches the visitor of that conversation with a first name only, and nobody else', async () => {
    const v = await visitor();
    const bystander = await visitor();
    const ack = await say(v.socket, 'Is the clinic open on Saturday?');
    const conversationId = await conversationOf(ack.messageId as string);
    const staff = await staffSocket();
    await follow(staff, conversationId);
    staff.socket.emit('typing', { conversationId });
    // The admin is called "Administrator": one word, shown as it is. Nothing else about staff.
    expect(await waitForEvent(v, 'typing')).toEqual({ from: 'Administrator' });
    await pause(300);
    expect(bystander.events.some((e) => e.type === 'typing')).toBe(false);
  });

  test('staff typing in a conversation that is not a web chat session’s reaches no visitor', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'Can I get a refill?' }).expect(200);
    const [sms] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1',
      [phone],
    );
    const v = await visitor();
    const staff = await staffSocket();
    await follow(staff, sms!.conversation_id);
    staff.socket.emit('typing', { conversationId: sms!.conversation_id });
    await pause(300);
    expect(v.events.some((e) => e.type === 'typing')).toBe(false);
  });

  test('staff who do not follow the conversation cannot make a visitor see typing', async () => {
    const v = await visitor();
    const ack = await say(v.socket, 'A question about parking');
    const conversationId = await conversationOf(ack.messageId as string);
    const staff = await staffSocket();
    staff.socket.emit('typing', { conversationId });
    await pause(300);
    expect(v.events.some((e) => e.type === 'typing')).toBe(false);
  });

  test('visitor typing reaches the staff following the conversation', async () => {
    const v = await visitor();
    const ack = await say(v.socket, 'I need to reschedule');
    const conversationId = await conversationOf(ack.messageId as string);
    const staff = await staffSocket();
    await follow(staff, conversationId);
    v.socket.emit('typing');
    expect(await waitForEvent(staff, 'typing')).toEqual({ conversationId, patient: true });
  });
});

test('a forged or tampered session token is refused', async () => {
  const real = await visitor();
  const [id, signature] = real.token.split('.') as [string, string];
  for (const session of [
    `${id}.${'A'.repeat(signature.length)}`,
    `${'B'.repeat(22)}.${signature}`,
    id,
    'x',
  ]) {
    const client = openChat(t.hub.url, { session });
    await expect(connected(client.socket)).rejects.toThrow('invalid_session');
  }
});

describe('verification', () => {
  async function createPatient() {
    const api = await t.api();
    const phone = randomUsPhone();
    const res = await api
      .post('/contacts', { name: 'Ada Patient', phone, dateOfBirth: '1980-02-29' })
      .expect(201);
    return { contactId: res.body.contact?.id ?? res.body.id, phone };
  }

  async function codeSentTo(phone: string, already: number): Promise<string> {
    const sms = await eventually(async () =>
      t.twilio.messages.slice(already).find((m) => m.params.To === phone),
    );
    const code = /\b(\d{6})\b/.exec(String(sms.params.Body))?.[1];
    if (!code) throw new Error('no code in the SMS');
    return code;
  }

  test('PHI is blocked for an anonymous session and allowed once it is verified by a code', async () => {
    const patient = await createPatient();
    const v = await visitor();
    const ack = await say(v.socket, 'I want my lab results');
    const anonymousConversation = await conversationOf(ack.messageId as string);

    const blocked = await staffReply(anonymousConversation, 'Your A1C is 6.1', 'phi');
    expect(blocked.status).toBe(422);
    expect(blocked.body.error.code).toBe('no_channel_allowed');

    const before = t.twilio.messages.length;
    expect(
      await v.socket
        .timeout(5000)
        .emitWithAck('verify.start', { dateOfBirth: '1980-02-29', phone: patient.phone }),
    ).toEqual({ ok: true });
    const code = await codeSentTo(patient.phone, before);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await v.socket.timeout(5000).emitWithAck('verify.confirm', { code: wrong })).toEqual({
      ok: false,
      code: 'verification_failed',
    });
    expect(await v.socket.timeout(5000).emitWithAck('verify.confirm', { code })).toEqual({ ok: true });
    await waitForEvent(v, 'verified');

    // The session now belongs to the patient, and the anonymous chat joined the patient's conversation.
    const [identity] = await queryRows<{ contact_id: string }>(
      t.database.url,
      'select contact_id from contact_identities where address = $1',
      [v.sessionId],
    );
    expect(identity?.contact_id).toBe(patient.contactId);
    const patientConversation = await conversationOf(ack.messageId as string);
    expect(patientConversation).not.toBe(anonymousConversation);

    const allowed = await staffReply(patientConversation, 'Your A1C is 6.1', 'phi');
    expect(allowed.status).toBe(202);
    expect(allowed.body.message.securedVia).toBeNull();
    const phi = await waitForEvent(v, 'message', (p) => p.id === allowed.body.message.id);
    expect(phi.body).toBe('Your A1C is 6.1');

    const reconnect = await visitor(t.hub.url, { session: v.token });
    expect(reconnect.session.verified).toBe(true);

    const actions = await queryRows<{ action: string }>(
      t.database.url,
      "select action from audit_log where subject_type = 'identity' and subject_id = $1 order by id",
      [`webchat:${v.sessionId}`],
    );
    expect(actions.map((a) => a.action)).toEqual([
      'verification.requested',
      'verification.code_sent',
      'verification.failed',
      'verification.succeeded',
    ]);
    // Only the code's hash was kept, and it is gone once used.
    expect(
      await queryRows(
        t.database.url,
        'select 1 from identity_verification_codes where identity_address = $1',
        [v.sessionId],
      ),
    ).toHaveLength(0);
  });

  test('no match gives the same answers as a match, sends nothing, and no code works', async () => {
    const patient = await createPatient();
    const v = await visitor();
    const before = t.twilio.messages.length;
    for (const claim of [
      { dateOfBirth: '1979-01-01', phone: patient.phone },
      { dateOfBirth: '1980-02-29', phone: randomUsPhone() },
      { dateOfBirth: '1980-02-29', email: 'nobody@example.org' },
    ]) {
      expect(await v.socket.timeout(5000).emitWithAck('verify.start', claim)).toEqual({ ok: true });
    }
    expect(await v.socket.timeout(5000).emitWithAck('verify.confirm', { code: '123456' })).toEqual({
      ok: false,
      code: 'verification_failed',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(t.twilio.messages.slice(before).filter((m) => m.params.To === patient.phone)).toHaveLength(0);
    expect(
      await v.socket.timeout(5000).emitWithAck('verify.start', { dateOfBirth: '1980-13-01', phone: '1' }),
    ).toEqual({ ok: false, code: 'invalid_date_of_birth' });
  });

  test('after five wrong codes even the right one is refused', async () => {
    const patient = await createPatient();
    const v = await visitor();
    const before = t.twilio.messages.length;
    await v.socket
      .timeout(5000)
      .emitWithAck('verify.start', { dateOfBirth: '1980-02-29', phone: patient.phone });
    const code = await codeSentTo(patient.phone, before);
    const wrong = code === '999999' ? '888888' : '999999';
    for (let i = 0; i < 5; i++) {
      expect(await v.socket.timeout(5000).emitWithAck('verify.confirm', { code: wrong })).toMatchObject({
        ok: false,
      });
    }
    expect(await v.socket.timeout(5000).emitWithAck('verify.confirm', { code })).toEqual({
      ok: false,
      code: 'verification_failed',
    });
  });
});

describe('verification by arriving through a secure link', () => {
  const DOB = '1975-06-30';
  const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

  /** A contact with a secure message, whose link was opened with the right date of birth. */
  async function openedSecureLink() {
    const api = await t.api();
    const phone = randomUsPhone();
    const created = await api.post('/contacts', { name: 'Lin Patient', phone, dateOfBirth: DOB }).expect(201);
    const contactId = created.body.contact.id as string;
    const before = t.twilio.messages.length;
    await api
      .post('/outbound', {
        to: { contactId },
        template: 'lab-results-available',
        variables: { clinicName: 'Riverside Clinic', testName: 'Lipid panel', resultSummary: 'LDL 190' },
      })
      .expect(202);
    const sms = await eventually(async () =>
      t.twilio.messages.slice(before).find((m) => m.params.To === phone),
    );
    const path = /https:\/\/hub\.clinic\.test(\/s\/[A-Za-z0-9_-]{43})/.exec(String(sms.params.Body))![1]!;
    const opened = await request(t.hub.url).post(path).type('form').send({ dob: DOB }).expect(200);
    expect(opened.text).toContain('Chat with the clinic');
    expect(opened.text).toContain(`action="${path}/chat"`);
    const cookie = ([] as string[])
      .concat(opened.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('sl_session='))!
      .split(';')[0]!;
    // The chat form's own hidden field, as a browser would post it back.
    const csrf = /name="csrf" value="([^"]+)"/.exec(opened.text)![1]!;
    return { contactId, phone, path, cookie, csrf, smsCount: () => t.twilio.messages.length };
  }

  type OpenedLink = Awaited<ReturnType<typeof openedSecureLink>>;

  /** Clicks "Chat with the clinic": a 303 to /chat with the handoff in the fragment. */
  async function chatHandoff(link: OpenedLink): Promise<string> {
    const res = await request(t.hub.url)
      .post(`${link.path}/chat`)
      .set('Cookie', link.cookie)
      .type('form')
      .send({ csrf: link.csrf })
      .expect(303);
    const handoff = /^\/chat#handoff=([A-Za-z0-9_-]{43})$/.exec(res.headers.location ?? '')?.[1];
    if (!handoff) throw new Error(`unexpected redirect: ${res.headers.location}`);
    return handoff;
  }

  const redeem = (socket: Socket, handoff: unknown) =>
    socket.timeout(5000).emitWithAck('verify.handoff', { handoff }) as Promise<Payload>;

  const identityActions = async (sessionId: string) =>
    queryRows<{ action: string; detail: Record<string, unknown> }>(
      t.database.url,
      "select action, detail from audit_log where subject_type = 'identity' and subject_id = $1 order by id",
      [`webchat:${sessionId}`],
    );

  test('the handoff verifies the chat session as the link’s contact, without a code; PHI then reaches it', async () => {
    const link = await openedSecureLink();
    const handoff = await chatHandoff(link);
    const smsBefore = link.smsCount();
    // Only the token's hash is kept.
    const stored = await queryRows(t.database.url, 'select * from secure_link_chat_handoffs');
    expect(JSON.stringify(stored)).not.toContain(handoff);

    const v = await visitor();
    expect(v.session.verified).toBe(false);
    expect(await redeem(v.socket, handoff)).toEqual({ ok: true });
    await waitForEvent(v, 'verified');
    const [identity] = await queryRows<{ contact_id: string }>(
      t.database.url,
      'select contact_id from contact_identities where address = $1',
      [v.sessionId],
    );
    expect(identity?.contact_id).toBe(link.contactId);
    expect((await visitor(t.hub.url, { session: v.token })).session.verified).toBe(true);
    // No one-time code went out.
    expect(link.smsCount()).toBe(smsBefore);

    const ack = await say(v.socket, 'Can you explain my results?');
    const conversationId = await conversationOf(ack.messageId as string);
    const [conversation] = await queryRows<{ contact_id: string }>(
      t.database.url,
      'select contact_id from conversations where id = $1',
      [conversationId],
    );
    expect(conversation?.contact_id).toBe(link.contactId);
    const phi = await staffReply(conversationId, 'Your LDL is 190 mg/dL', 'phi');
    expect(phi.status).toBe(202);
    expect(phi.body.message).toMatchObject({ channel: 'webchat', securedVia: null });
    expect(await waitForEvent(v, 'message', (p) => p.id === phi.body.message.id)).toMatchObject({
      body: 'Your LDL is 190 mg/dL',
    });

    const actions = await identityActions(v.sessionId);
    expect(actions.map((a) => a.action)).toEqual(['verification.succeeded']);
    expect(actions[0]!.detail).toMatchObject({ method: 'secure_link', contactId: link.contactId });
    const [used] = await queryRows<{ used_at: Date | null }>(
      t.database.url,
      'select used_at from secure_link_chat_handoffs where token_hash = $1',
      [hashOf(handoff)],
    );
    expect(used?.used_at).not.toBeNull();
  });

  test('a verified session lapses after the idle time or the absolute limit; activity keeps it going', async () => {
    const link = await openedSecureLink();
    const v = await visitor();
    expect(await redeem(v.socket, await chatHandoff(link))).toEqual({ ok: true });
    const ack = await say(v.socket, 'Thanks, one more question');
    const conversationId = await conversationOf(ack.messageId as string);
    const verification = () =>
      queryRows<{ verified_at: Date; last_active_at: Date }>(
        t.database.url,
        `select verified_at, last_active_at from identity_verifications
         where identity_id = (select id from contact_identities where address = $1)`,
        [v.sessionId],
      ).then((rows) => rows[0]!);
    const age = (column: 'verified_at' | 'last_active_at', interval: string) =>
      queryRows(
        t.database.url,
        `update identity_verifications set ${column} = now() - interval '${interval}'
         where identity_id = (select id from contact_identities where address = $1)`,
        [v.sessionId],
      );
    const verifiedOnReconnect = async () => (await visitor(t.hub.url, { session: v.token })).session.verified;

    // 20 idle minutes of the 30: still verified; coming back (and writing) starts the 30 again.
    await age('last_active_at', '20 minutes');
    expect(await verifiedOnReconnect()).toBe(true);
    await age('last_active_at', '20 minutes');
    await say(v.socket, 'Still here');
    await eventually(async () => Date.now() - (await verification()).last_active_at.getTime() < 60_000);
    expect(await verifiedOnReconnect()).toBe(true);

    // 31 idle minutes: lapsed. PHI no longer goes to the chat, but behind a secure link.
    await age('last_active_at', '31 minutes');
    expect(await verifiedOnReconnect()).toBe(false);
    const phi = await staffReply(conversationId, 'Your LDL is 190 mg/dL', 'phi');
    expect(phi.status).toBe(202);
    expect(phi.body.message.securedVia).toBe('securelink');
    // Activity after the lapse does not revive it.
    await say(v.socket, 'Hello?');
    expect(await verifiedOnReconnect()).toBe(false);

    // Verified again, busy all the while, but 12 hours after verifying: lapsed all the same.
    expect(await redeem(v.socket, await chatHandoff(link))).toEqual({ ok: true });
    expect(await verifiedOnReconnect()).toBe(true);
    await age('verified_at', '12 hours 1 minute');
    await say(v.socket, 'Busy all day');
    expect(await verifiedOnReconnect()).toBe(false);
  });

  test('a reused, expired, forged or malformed handoff is refused alike and verifies nothing', async () => {
    const link = await openedSecureLink();
    const first = await chatHandoff(link);
    const patient = await visitor();
    expect(await redeem(patient.socket, first)).toEqual({ ok: true });

    const other = await visitor();
    expect(await redeem(other.socket, first)).toEqual({ ok: false, code: 'handoff_invalid' });

    const late = await chatHandoff(link);
    await queryRows(
      t.database.url,
      "update secure_link_chat_handoffs set expires_at = now() - interval '1 second' where token_hash = $1",
      [hashOf(late)],
    );
    expect(await redeem(other.socket, late)).toEqual({ ok: false, code: 'handoff_invalid' });
    expect(await redeem(other.socket, randomBytes(32).toString('base64url'))).toEqual({
      ok: false,
      code: 'handoff_invalid',
    });
    expect(await redeem(other.socket, 'not-a-handoff')).toEqual({ ok: false, code: 'handoff_invalid' });
    expect(await redeem(other.socket, 42)).toEqual({ ok: false, code: 'invalid_request' });

    expect((await visitor(t.hub.url, { session: other.token })).session.verified).toBe(false);
    expect(
      await queryRows(t.database.url, 'select 1 from contact_identities where address = $1', [
        other.sessionId,
      ]),
    ).toHaveLength(0);
    const actions = await identityActions(other.sessionId);
    expect(actions.map((a) => a.action)).toEqual([
      'verification.failed',
      'verification.failed',
      'verification.failed',
      'verification.failed',
    ]);
  });

  test('a handoff needs the date-of-birth session and our own page; a locked link’s handoff is refused', async () => {
    const link = await openedSecureLink();
    const handoffs = async () =>
      (
        await queryRows(t.database.url, 'select 1 from secure_link_chat_handoffs where contact_id = $1', [
          link.contactId,
        ])
      ).length;
    const noSession = await request(t.hub.url).post(`${link.path}/chat`).type('form').send({});
    expect(noSession.status).toBe(403);
    expect(noSession.headers.location).toBeUndefined();
    const elsewhere = await request(t.hub.url)
      .post(`${link.path}/chat`)
      .set('Cookie', link.cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ csrf: link.csrf });
    expect(elsewhere.status).toBe(403);
    // The cookie alone (a post that did not come from the page) is not enough either.
    const noToken = await request(t.hub.url)
      .post(`${link.path}/chat`)
      .set('Cookie', link.cookie)
      .type('form')
      .send({ csrf: 'x'.repeat(43) });
    expect(noToken.status).toBe(403);
    expect(await handoffs()).toBe(0);

    const handoff = await chatHandoff(link);
    await queryRows(
      t.database.url,
      'update secure_links set locked_at = now() where id = (select secure_link_id from secure_link_chat_handoffs where token_hash = $1)',
      [hashOf(handoff)],
    );
    const v = await visitor();
    expect(await redeem(v.socket, handoff)).toEqual({ ok: false, code: 'handoff_invalid' });
  });
});

describe('per-IP rate limit', () => {
  let limited: TestHub;
  beforeAll(async () => {
    limited = await startTestHub({
      env: { CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00', WEBCHAT_IP_MESSAGES_PER_MINUTE: '5' },
    });
  });
  afterAll(async () => {
    await limited.stop();
  });

  test('sessions from one address share its limit: the sixth message in a minute is refused', async () => {
    const a = await visitor(limited.hub.url);
    const b = await visitor(limited.hub.url);
    const c = await visitor(limited.hub.url);
    for (let i = 0; i < 3; i++) expect(await say(a.socket, `a ${i}`)).toMatchObject({ ok: true });
    for (let i = 0; i < 2; i++) expect(await say(b.socket, `b ${i}`)).toMatchObject({ ok: true });
    const refused = await say(c.socket, 'c 0');
    expect(refused).toMatchObject({ ok: false, code: 'rate_limited' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(await say(a.socket, 'a 3')).toMatchObject({ ok: false, code: 'rate_limited' });
    const [{ n } = { n: '0' }] = await queryRows<{ n: string }>(
      limited.database.url,
      "select count(*) as n from messages where channel = 'webchat' and direction = 'inbound'",
    );
    expect(Number(n)).toBe(5);
  });
});

describe('after hours', () => {
  let closed: TestHub;
  beforeAll(async () => {
    closed = await startTestHub({ env: { CLINIC_OFFICE_HOURS: 'closed' } });
  });
  afterAll(async () => {
    await closed.stop();
  });

  test('a visitor is told the clinic is closed, with the emergency disclaimer', async () => {
    const client = openChat(closed.hub.url);
    await connected(client.socket);
    const welcome = await waitForEvent(client, 'welcome');
    expect(welcome.open).toBe(false);
    expect(welcome.notice).toMatch(/closed/);
    expect(welcome.notice).toContain('If this is an emergency, call 911.');
    client.socket.disconnect();
  });
});
