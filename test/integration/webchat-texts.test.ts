import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { LogCapture } from '../support/log-capture';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// "Text me when you reply" in the web chat (src/texthandoff): through the chat socket as the page
// uses it, the staff API, the consent ledger and the Twilio stand-in.

type Payload = Record<string, unknown>;
let t: TestHub;
const logs = new LogCapture();
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestHub({
    // A clinic that keeps texts to public content: a `limited` reply then cannot go by text itself.
    env: { CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00', CHANNEL_MAX_SENSITIVITY: 'sms=public' },
    logs: { level: 'debug', destination: logs },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t.stop();
});

/** A visitor on `/chat`, connected, with their session id (the `webchat` identity's address). */
async function visitor(): Promise<{ socket: Socket; sessionId: string }> {
  const socket = connect(`${t.hub.url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const session = await new Promise<{ token: string }>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, sessionId: session.token.split('.')[0]! };
}

const say = (socket: Socket, body: string) =>
  socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), body }) as Promise<Payload>;
const askForTexts = (socket: Socket, request: Payload) =>
  socket.timeout(5000).emitWithAck('texts.request', request) as Promise<Payload>;

/** A visitor who wrote, so that they have a conversation. */
async function visitorWhoWrote() {
  const chat = await visitor();
  const answer = await say(chat.socket, `Can I move my appointment? ${randomUUID()}`);
  expect(answer.ok).toBe(true);
  const [row] = await queryRows<{ conversation_id: string; contact_id: string }>(
    t.database.url,
    'select conversation_id, contact_id from messages where id = $1',
    [answer.messageId],
  );
  return { ...chat, conversationId: row!.conversation_id, contactId: row!.contact_id };
}

const phonesOf = (contactId: string) =>
  queryRows<{ address: string }>(
    t.database.url,
    "select address from contact_identities where contact_id = $1 and kind = 'phone'",
    [contactId],
  );
const smsOutOf = (conversationId: string) =>
  queryRows<{ body: string; template_id: string | null; to_address: string }>(
    t.database.url,
    "select body, template_id, to_address from messages where conversation_id = $1 and channel = 'sms' and direction = 'outbound'",
    [conversationId],
  );

async function closeChat(socket: Socket, sessionId: string) {
  socket.disconnect();
  // Gone from the room on the server too, as a staff reply will see it.
  const webchat = t.hub.channels.get('webchat')!;
  await eventually(async () => !(await webchat.isPresent!(sessionId)));
}

test('a number libphonenumber does not accept is refused with invalid_phone, and nothing is stored', async () => {
  const chat = await visitorWhoWrote();
  for (const phone of ['12', 'call me', '+1 415 555', '']) {
    expect(await askForTexts(chat.socket, { phone, consent: true })).toEqual({
      ok: false,
      code: 'invalid_phone',
    });
  }
  expect(await phonesOf(chat.contactId)).toEqual([]);
  const requests = await queryRows(
    t.database.url,
    'select 1 from chat_text_requests where conversation_id = $1',
    [chat.conversationId],
  );
  expect(requests).toEqual([]);
});

test('without the consent box ticked the request is refused with consent_required; nothing reaches the ledger', async () => {
  const chat = await visitorWhoWrote();
  const phone = randomUsPhone();
  expect(await askForTexts(chat.socket, { phone })).toEqual({ ok: false, code: 'consent_required' });
  expect(await askForTexts(chat.socket, { phone, consent: false })).toEqual({
    ok: false,
    code: 'consent_required',
  });
  const ledger = await queryRows(t.database.url, 'select 1 from consent_ledger where contact_id = $1', [
    chat.contactId,
  ]);
  expect(ledger).toEqual([]);
  expect(await phonesOf(chat.contactId)).toEqual([]);
});

test('a visitor who has not written yet is asked to write first', async () => {
  const chat = await visitor();
  expect(await askForTexts(chat.socket, { phone: randomUsPhone(), consent: true })).toEqual({
    ok: false,
    code: 'no_conversation',
  });
});

test('with a number and consent: the ledger records it from web chat, staff see it, and replies made while the chat is closed go by text', async () => {
  const chat = await visitorWhoWrote();
  const phone = randomUsPhone();
  expect(await askForTexts(chat.socket, { phone: `(415) 555-${phone.slice(-4)}`, consent: true })).toEqual({
    ok: true,
  });
  expect(await phonesOf(chat.contactId)).toEqual([{ address: phone }]);
  const ledger = await queryRows<{ channel: string; purpose: string; status: string; source: string }>(
    t.database.url,
    'select channel, purpose, status, source from consent_ledger where contact_id = $1',
    [chat.contactId],
  );
  expect(ledger).toEqual([{ channel: 'sms', purpose: 'care', status: 'opted_in', source: 'webchat' }]);

  const api = await t.api();
  const detail = await api.get(`/conversations/${chat.conversationId}`).expect(200);
  expect(detail.body.conversation.textRequest).toMatchObject({
    phone,
    status: 'active',
    display: expect.stringContaining(phone.slice(-4)),
  });

  // While the chat is open, replies stay in the chat.
  const open = await api
    .post(`/conversations/${chat.conversationId}/messages`, {
      body: 'We have a slot at 3pm.',
      sensitivity: 'public',
    })
    .expect(202);
  expect(open.body.message.channel).toBe('webchat');
  expect(await smsOutOf(chat.conversationId)).toEqual([]);

  await closeChat(chat.socket, chat.sessionId);
  // A reply the text channel may carry goes itself, with the reason in the decision.
  const before = t.twilio.messages.length;
  const plain = await api
    .post(`/conversations/${chat.conversationId}/messages`, { body: 'Is 4pm better?', sensitivity: 'public' })
    .expect(202);
  expect(plain.body.message.channel).toBe('sms');
  expect(plain.body.decision.reasons[0]).toContain('asked to be texted');
  await t.twilio.waitForMessages(before + 1);
  expect(t.twilio.messages.at(-1)!.params.To).toBe(phone);
  expect(t.twilio.messages.at(-1)!.params.Body).toContain('Is 4pm better?');

  // Content the text channel may not carry never goes by text: with no date of birth there can be
  // no secure link, so the reply stays in the chat and the text says only that one is waiting.
  const limited = await api
    .post(`/conversations/${chat.conversationId}/messages`, {
      body: 'About your appointment for the knee scan',
      sensitivity: 'limited',
    })
    .expect(202);
  expect(limited.body.message.channel).toBe('webchat');
  await t.twilio.waitForMessages(before + 2);
  const notice = t.twilio.messages.at(-1)!.params;
  expect(notice.To).toBe(phone);
  expect(notice.Body).toContain('new reply in your chat');
  expect(notice.Body).toContain('https://hub.clinic.test/chat');
  expect(notice.Body).not.toContain('knee');

  // Health content with a date of birth on file: the policy's secure link, announced by text.
  await api.patch(`/contacts/${chat.contactId}`, { dateOfBirth: '1950-03-04' }).expect(200);
  const phi = await api
    .post(`/conversations/${chat.conversationId}/messages`, {
      body: 'Your potassium result is 5.9, stop the pills',
    })
    .expect(202);
  expect(phi.body.message.channel).toBe('sms');
  expect(phi.body.message.securedVia).toBe('securelink');
  await t.twilio.waitForMessages(before + 3);
  const secure = t.twilio.messages.at(-1)!.params;
  expect(secure.To).toBe(phone);
  expect(secure.Body).toContain('secure message');
  expect(secure.Body).not.toContain('potassium');
  const texts = await smsOutOf(chat.conversationId);
  expect(texts.map((m) => m.template_id)).toEqual([null, 'chat-reply-waiting', null]);
  expect(texts.every((m) => m.to_address === phone && !/knee|potassium/.test(m.body))).toBe(true);
});

test('a number on file for another patient: the same answer, nothing merged or moved, staff see it held, nothing is texted', async () => {
  // Another patient, known by that phone.
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: `Refill please ${randomUUID()}` }).expect(200);
  const [owner] = await eventually(async () => {
    const rows = await queryRows<{ contact_id: string }>(
      t.database.url,
      "select contact_id from contact_identities where kind = 'phone' and address = $1",
      [phone],
    );
    return rows.length === 1 ? rows : undefined;
  });

  const chat = await visitorWhoWrote();
  // The very answer a number nobody has gets: nothing tells the visitor the number is on file.
  expect(await askForTexts(chat.socket, { phone, consent: true })).toEqual({ ok: true });
  expect(await phonesOf(chat.contactId)).toEqual([]);
  const still = await queryRows<{ contact_id: string }>(
    t.database.url,
    "select contact_id from contact_identities where kind = 'phone' and address = $1",
    [phone],
  );
  expect(still).toEqual([owner]);
  const contacts = await queryRows<{ n: string }>(
    t.database.url,
    'select count(*)::text as n from contacts where id = any($1::uuid[])',
    [[owner!.contact_id, chat.contactId]],
  );
  expect(contacts).toEqual([{ n: '2' }]);

  const api = await t.api();
  const detail = await api.get(`/conversations/${chat.conversationId}`).expect(200);
  expect(detail.body.conversation.textRequest).toMatchObject({ phone, status: 'held' });

  await closeChat(chat.socket, chat.sessionId);
  const reply = await api
    .post(`/conversations/${chat.conversationId}/messages`, {
      body: 'We will call you.',
      sensitivity: 'public',
    })
    .expect(202);
  // Planned in the request (the outbox row is written before the 202): nothing by text.
  expect(reply.body.message.channel).toBe('webchat');
  expect(await smsOutOf(chat.conversationId)).toEqual([]);
});

test('a second number replaces the first: the reply is texted to the new one only', async () => {
  const chat = await visitorWhoWrote();
  const first = randomUsPhone();
  const second = randomUsPhone();
  expect(await askForTexts(chat.socket, { phone: first, consent: true })).toEqual({ ok: true });
  expect(await askForTexts(chat.socket, { phone: second, consent: true })).toEqual({ ok: true });
  await closeChat(chat.socket, chat.sessionId);
  const api = await t.api();
  const detail = await api.get(`/conversations/${chat.conversationId}`).expect(200);
  expect(detail.body.conversation.textRequest).toMatchObject({ phone: second, status: 'active' });
  await api
    .post(`/conversations/${chat.conversationId}/messages`, {
      body: 'See you at 2pm.',
      sensitivity: 'public',
    })
    .expect(202);
  expect((await smsOutOf(chat.conversationId)).map((m) => m.to_address)).toEqual([second]);
});

test('no phone number appears in the logs', () => {
  const digits = logs.text.match(/\+?1?415555\d{4}/g) ?? [];
  expect(digits).toEqual([]);
  expect(logs.text).toContain('web chat visitor asked to be texted');
});
