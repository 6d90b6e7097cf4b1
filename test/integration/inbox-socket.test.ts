import { randomBytes, randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { type HubEvent, storeHubEvent } from '../../src/conversations/hub-events';
import { SeenEventIds } from '../../web/inbox/live';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

type Received = { type: string; id: number; [key: string]: unknown };

/** A staff socket on `/inbox` that records every event it receives. */
function openSocket(url: string, auth: Record<string, unknown>): { socket: Socket; received: Received[] } {
  const received: Received[] = [];
  const socket = connect(`${url}/inbox`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  socket.onAny((type: string, payload: { id: number }) => received.push({ ...payload, type }));
  return { socket, received };
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function closeAll(sockets: Socket[]) {
  for (const socket of sockets) socket.disconnect();
}

let t: TestHub;
const sockets: Socket[] = [];
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  closeAll(sockets);
  await t.stop();
});

/** Waits for the stored `message.created` of the newest inbound message from `from`. */
async function inboundMessageId(from: string): Promise<string> {
  return eventually(async () => {
    const [row] = await queryRows<{ id: string }>(
      t.database.url,
      "select id from messages where from_address = $1 and direction = 'inbound' order by created_at desc limit 1",
      [from],
    );
    return row?.id;
  });
}

test('a connection without a valid staff token is refused', async () => {
  for (const auth of [{}, { token: 'not-a-session' }]) {
    const { socket } = openSocket(t.hub.url, auth);
    sockets.push(socket);
    await expect(connected(socket)).rejects.toThrow('unauthorized');
  }
});

test('an inbound SMS reaches a connected staff socket as message.created, without its body', async () => {
  const { socket, received } = openSocket(t.hub.url, { token: await t.staffToken() });
  sockets.push(socket);
  await connected(socket);
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'can I move my appointment to friday?' }).expect(200);
  const messageId = await inboundMessageId(phone);
  const event = await eventually(async () =>
    received.find((e) => e.type === 'message.created' && e.messageId === messageId),
  );
  expect(event).toMatchObject({
    channel: 'sms',
    direction: 'inbound',
    status: 'received',
    queue: 'front-desk',
  });
  expect(typeof event.id).toBe('number');
  expect(typeof event.conversationId).toBe('string');
  expect(JSON.stringify(event)).not.toMatch(/friday|appointment/);
  expect(JSON.stringify(event)).not.toContain(phone);
  socket.disconnect();
});

test('a Twilio status callback reaches a connected staff socket as message.status', async () => {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'is the clinic open on saturday?' }).expect(200);
  const [row] = await eventually(() =>
    queryRows<{ conversation_id: string }>(
      t.database.url,
      "select conversation_id from messages where from_address = $1 and direction = 'inbound'",
      [phone],
    ).then((rows) => (rows.length > 0 ? rows : null)),
  );
  const conversationId = row!.conversation_id;
  const api = await t.api();
  const reply = await api
    .post(`/conversations/${conversationId}/messages`, { body: 'Yes, 9 to 12.', sensitivity: 'public' })
    .expect(202);
  const messageId: string = reply.body.message.id;
  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));

  const { socket, received } = openSocket(t.hub.url, { token: await t.staffToken() });
  sockets.push(socket);
  await connected(socket);
  await t.postStatus({ MessageSid: sent.sid, MessageStatus: 'delivered', To: phone }).expect(200);
  const event = await eventually(async () =>
    received.find((e) => e.type === 'message.status' && e.status === 'delivered'),
  );
  expect(event).toMatchObject({ conversationId, channel: 'sms', direction: 'outbound', status: 'delivered' });
  expect(event.messageId).toBe(messageId);
  expect(JSON.stringify(event)).not.toContain(phone);
  expect(JSON.stringify(event)).not.toMatch(/9 to 12/);
  socket.disconnect();
});

test('a chest-pain text produces triage.escalated and conversation.updated', async () => {
  const { socket, received } = openSocket(t.hub.url, { token: await t.staffToken() });
  sockets.push(socket);
  await connected(socket);
  const phone = randomUsPhone();
  await t
    .postInboundSms({ From: phone, Body: 'I have crushing chest pain and my left arm is numb' })
    .expect(200);
  const messageId = await inboundMessageId(phone);
  const escalated = await eventually(async () =>
    received.find((e) => e.type === 'triage.escalated' && e.messageId === messageId),
  );
  expect(escalated).toMatchObject({ queue: 'nurse-triage', urgency: 'emergency', intent: 'emergency' });
  const updated = received.find((e) => e.type === 'conversation.updated' && e.messageId === messageId);
  expect(updated).toMatchObject({
    conversationId: escalated.conversationId,
    queue: 'nurse-triage',
    urgency: 'emergency',
  });
  // The safety reply is an outbound message of the same conversation.
  await eventually(async () =>
    received.find(
      (e) =>
        e.type === 'message.created' &&
        e.direction === 'outbound' &&
        e.conversationId === escalated.conversationId,
    ),
  );
  socket.disconnect();
});

test('a client subscribes to a conversation and sees typing of others, not its own', async () => {
  const token = await t.staffToken();
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'hello' }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    "select conversation_id from messages where from_address = $1 and direction = 'inbound'",
    [phone],
  );
  const conversationId = row!.conversation_id;
  const a = openSocket(t.hub.url, { token });
  const b = openSocket(t.hub.url, { token });
  sockets.push(a.socket, b.socket);
  await Promise.all([connected(a.socket), connected(b.socket)]);
  expect(await a.socket.emitWithAck('subscribe', { conversationId: 'nope' })).toEqual({
    ok: false,
    code: 'invalid_request',
  });
  expect(await a.socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true });
  expect(await b.socket.emitWithAck('subscribe', { conversationId })).toEqual({ ok: true });
  a.socket.emit('typing', { conversationId });
  await eventually(async () => b.received.find((e) => e.type === 'typing'));
  expect(b.received.find((e) => e.type === 'typing')).toMatchObject({ conversationId });
  expect(a.received.some((e) => e.type === 'typing')).toBe(false);
  a.socket.disconnect();
  b.socket.disconnect();
});

test('a reconnect with lastEventId replays the events missed meanwhile, each once', async () => {
  const token = await t.staffToken();
  const first = openSocket(t.hub.url, { token });
  sockets.push(first.socket);
  await connected(first.socket);
  const before = randomUsPhone();
  await t.postInboundSms({ From: before, Body: 'first message' }).expect(200);
  const beforeId = await inboundMessageId(before);
  const seen = await eventually(async () =>
    first.received.find((e) => e.type === 'message.created' && e.messageId === beforeId),
  );
  first.socket.disconnect();

  // Missed while disconnected.
  const missedPhones = [randomUsPhone(), randomUsPhone(), randomUsPhone()];
  for (const phone of missedPhones) await t.postInboundSms({ From: phone, Body: 'while away' }).expect(200);
  const missedIds = await Promise.all(missedPhones.map(inboundMessageId));

  const second = openSocket(t.hub.url, { token, lastEventId: seen.id });
  sockets.push(second.socket);
  await connected(second.socket);
  // And one more after the reconnect, live.
  const after = randomUsPhone();
  await t.postInboundSms({ From: after, Body: 'after reconnect' }).expect(200);
  const afterId = await inboundMessageId(after);
  await eventually(async () =>
    second.received.find((e) => e.type === 'message.created' && e.messageId === afterId),
  );
  // One connection sends each id once.
  const ids = second.received.filter((e) => typeof e.id === 'number').map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).not.toContain(seen.id);
  // The reconnect also re-sends events stored shortly before lastEventId; the client (the inbox
  // page's SeenEventIds) drops those it already had.
  const client = new SeenEventIds();
  for (const e of first.received) if (typeof e.id === 'number') client.firstTime(e.id);
  const delivered = second.received.filter((e) => typeof e.id !== 'number' || client.firstTime(e.id));
  const created = delivered.filter((e) => e.type === 'message.created').map((e) => e.messageId);
  for (const id of missedIds) expect(created.filter((c) => c === id)).toHaveLength(1);
  expect(created).not.toContain(beforeId);
  second.socket.disconnect();
});

test('an event whose transaction took an earlier id but committed later reaches a reconnecting client once', async () => {
  const db = t.hub.outbound.db;
  const token = await t.staffToken();
  const conversationId = randomUUID();
  const event = (change: string): HubEvent => ({
    orgId: t.hub.org.id,
    type: 'conversation.updated',
    conversationId,
    messageId: null,
    queue: 'front-desk',
    payload: { change },
  });
  const first = openSocket(t.hub.url, { token });
  sockets.push(first.socket);
  await connected(first.socket);

  // Transaction A stores its event (the lower id) and stays open...
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let tookId!: (id: number) => void;
  const earlierIdTaken = new Promise<number>((resolve) => {
    tookId = resolve;
  });
  const slow = db.transaction(async (tx) => {
    tookId(await storeHubEvent(tx, event('slow')));
    await held;
  });
  const earlierId = await earlierIdTaken;
  // ...while B stores a later id, commits, and is delivered live.
  const laterId = await db.transaction((tx) => storeHubEvent(tx, event('fast')));
  expect(laterId).toBeGreaterThan(earlierId);
  await eventually(async () => first.received.find((e) => e.id === laterId));
  expect(first.received.some((e) => e.id === earlierId)).toBe(false);
  first.socket.disconnect();
  await eventually(async () => !first.socket.connected || undefined);

  // A commits only now, with nobody connected; the client comes back with the later id.
  release();
  await slow;
  const second = openSocket(t.hub.url, { token, lastEventId: laterId });
  sockets.push(second.socket);
  await connected(second.socket);
  // A live event after the reconnect: it is sent only once the replay is over.
  const afterId = await db.transaction((tx) => storeHubEvent(tx, event('after')));
  await eventually(async () => second.received.find((e) => e.id === afterId));

  const client = new SeenEventIds();
  const delivered = [...first.received, ...second.received].filter(
    (e) => typeof e.id !== 'number' || client.firstTime(e.id),
  );
  const mine = delivered.filter((e) => e.conversationId === conversationId);
  expect(mine.map((e) => [e.id, e.change])).toEqual([
    [laterId, 'fast'],
    [earlierId, 'slow'],
    [afterId, 'after'],
  ]);
  expect(second.received.filter((e) => e.id === earlierId)).toHaveLength(1);
  expect(second.received.some((e) => e.id === laterId)).toBe(false);
  second.socket.disconnect();
});

describe('two hub processes on one database and one Redis prefix', () => {
  let b: TestHub;
  beforeAll(async () => {
    // A second process of the same deployment: same database, same Redis prefix (queues, adapter stream).
    b = await startTestHub({ database: t.database, queuePrefix: t.queuePrefix, runWorkers: false });
  });
  afterAll(async () => {
    await b.stop();
  });

  test('an event committed through hub A reaches a socket connected to hub B', async () => {
    const { socket, received } = openSocket(b.hub.url, { token: await t.staffToken() });
    sockets.push(socket);
    await connected(socket);
    // Both processes see each other through the adapter before the event is committed.
    await eventually(async () =>
      (await t.hub.io.of('/inbox').fetchSockets()).some((s) => s.id === socket.id),
    );
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: `hello ${randomBytes(2).toString('hex')}` }).expect(200);
    const messageId = await inboundMessageId(phone);
    const event = await eventually(async () =>
      received.find((e) => e.type === 'message.created' && e.messageId === messageId),
    );
    expect(event).toMatchObject({ channel: 'sms', direction: 'inbound' });
    expect(received.filter((e) => e.messageId === messageId && e.type === 'message.created')).toHaveLength(1);
    socket.disconnect();
  });
});

test('every connection is told the newest stored event id (inbox.ready); resuming from it replays what came after', async () => {
  const token = await t.staffToken();
  const newest = async () =>
    Number(
      (
        await queryRows<{ id: string }>(
          t.database.url,
          'select coalesce(max(id), 0)::text as id from hub_events where org_id = $1',
          [t.hub.org.id],
        )
      )[0]!.id,
    );
  // Earlier tests' triage may still be storing events: the answer lies between two readings.
  const before = await newest();
  const first = openSocket(t.hub.url, { token });
  sockets.push(first.socket);
  await connected(first.socket);
  const ready = await eventually(async () => first.received.find((e) => e.type === 'inbox.ready'));
  expect(ready.lastEventId as number).toBeGreaterThanOrEqual(before);
  expect(ready.lastEventId as number).toBeLessThanOrEqual(await newest());
  // Nothing else arrives on this connection; it goes away having seen no event.
  first.socket.disconnect();

  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'sent while nobody was connected' }).expect(200);
  const messageId = await inboundMessageId(phone);
  const second = openSocket(t.hub.url, { token, lastEventId: ready.lastEventId });
  sockets.push(second.socket);
  await connected(second.socket);
  await eventually(async () =>
    second.received.find((e) => e.type === 'message.created' && e.messageId === messageId),
  );
  // Its own ready comes after the replay, at least as far as what it replayed.
  const again = await eventually(async () => second.received.find((e) => e.type === 'inbox.ready'));
  const replayed = second.received.find((e) => e.type === 'message.created' && e.messageId === messageId)!;
  expect(second.received.indexOf(again)).toBeGreaterThan(second.received.indexOf(replayed));
  expect(again.lastEventId as number).toBeGreaterThanOrEqual(replayed.id);
  second.socket.disconnect();
});
