import { io } from 'socket.io-client';
import request from 'supertest';
import { conversationRoom } from '../../src/inbox/realtime/inbox-rooms';
import { createStaffUser } from '../../src/staff/staff-directory';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// An agent sees only the queues she is a member of: REST and socket alike.
let t: TestHub;
let agentToken: string;
let billingConversation: string;
let nurseConversation: string;

async function triagedConversation(body: string): Promise<string> {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; triage: unknown }>(
      t.database.url,
      'select conversation_id, triage from messages where from_address = $1',
      [phone],
    );
    return row?.triage ? row.conversation_id : null;
  });
}

beforeAll(async () => {
  t = await startTestHub();
  ({ token: agentToken } = await signedInStaff(t, {
    email: 'billing.agent@clinic.test',
    name: 'Billing Agent',
    role: 'agent',
    password: 'billing-agent-password',
    queues: ['billing'],
  }));
  billingConversation = await triagedConversation('why is my bill $240? I thought insurance covered it');
  nurseConversation = await triagedConversation('crushing chest pain and my left arm is numb');
});
afterAll(async () => {
  await t.stop();
});

test('the conversation list shows an agent only her queues; an admin sees all', async () => {
  const mine = await request(t.hub.url)
    .get('/api/v1/conversations')
    .set('Authorization', `Bearer ${agentToken}`)
    .expect(200);
  const ids = mine.body.conversations.map((c: { id: string }) => c.id);
  expect(ids).toContain(billingConversation);
  expect(ids).not.toContain(nurseConversation);
  const all = await (await t.api()).get('/conversations').expect(200);
  expect(all.body.conversations.map((c: { id: string }) => c.id)).toEqual(
    expect.arrayContaining([billingConversation, nurseConversation]),
  );
});

test('reading or replying to another queue’s conversation: 403, and no audit entry for a read that did not happen', async () => {
  const auth = { Authorization: `Bearer ${agentToken}` };
  await request(t.hub.url).get(`/api/v1/conversations/${billingConversation}`).set(auth).expect(200);
  const denied = await request(t.hub.url)
    .get(`/api/v1/conversations/${nurseConversation}`)
    .set(auth)
    .expect(403);
  expect(denied.body.error.code).toBe('forbidden_queue');
  await request(t.hub.url)
    .post(`/api/v1/conversations/${nurseConversation}/messages`)
    .set(auth)
    .send({ body: 'hi', sensitivity: 'limited' })
    .expect(403);
  const reads = await queryRows(
    t.database.url,
    "select 1 from audit_log where action = 'conversation.read' and subject_id = $1",
    [nurseConversation],
  );
  expect(reads).toHaveLength(0);
});

test('an agent cannot join another queue’s conversation room over the socket', async () => {
  const socket = io(`${t.hub.url}/inbox`, { auth: { token: agentToken }, transports: ['websocket'] });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    const own = await socket.timeout(2000).emitWithAck('subscribe', { conversationId: billingConversation });
    const other = await socket.timeout(2000).emitWithAck('subscribe', { conversationId: nurseConversation });
    expect(own).toEqual({ ok: true });
    expect(other).toEqual({ ok: false, code: 'forbidden_queue' });
  } finally {
    socket.disconnect();
  }
});

test('five wrong passwords lock that account (429, even with the right one); other accounts still log in', async () => {
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email: 'forgetful@clinic.test',
    name: 'Forgetful',
    role: 'agent',
    password: 'the-right-password',
    queues: ['front-desk'],
  });
  const login = (email: string, password: string) =>
    request(t.hub.url).post('/api/v1/auth/login').send({ email, password });
  for (let i = 0; i < 5; i += 1) await login('forgetful@clinic.test', `wrong-${i}`).expect(401);
  const locked = await login('forgetful@clinic.test', 'the-right-password').expect(429);
  expect(locked.body.error.code).toBe('login_locked');
  await login('billing.agent@clinic.test', 'billing-agent-password').expect(200);
  const audits = await queryRows(
    t.database.url,
    "select 1 from audit_log where action = 'staff.login_locked'",
  );
  expect(audits).toHaveLength(1);
});

test('an agent watching a conversation that is transferred out of her queues leaves its room: she sees it go, nothing after', async () => {
  const conversationId = await triagedConversation(
    'question about the invoice I got in the mail, the amount looks wrong',
  );
  const [row] = await queryRows<{ queue: string }>(
    t.database.url,
    'select queue from conversations where id = $1',
    [conversationId],
  );
  expect(row!.queue).toBe('billing');
  const open = async (token: string) => {
    const socket = io(`${t.hub.url}/inbox`, { auth: { token }, transports: ['websocket'], forceNew: true });
    const received: { type: string; conversationId?: string; change?: string; previousQueue?: string }[] = [];
    socket.onAny((type: string, payload: object) => received.push({ ...payload, type }));
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    expect(await socket.timeout(2000).emitWithAck('subscribe', { conversationId })).toEqual({ ok: true });
    return { socket, received };
  };
  const agent = await open(agentToken);
  const admin = await open(await t.staffToken());
  const room = conversationRoom(conversationId);
  const inRoom = async () => (await t.hub.io.of('/inbox').in(room).fetchSockets()).map((s) => s.id);
  try {
    expect(await inRoom()).toEqual(expect.arrayContaining([agent.socket.id, admin.socket.id]));
    const api = await t.api();
    await api.post(`/conversations/${conversationId}/transfer`, { queue: 'front-desk' }).expect(200);
    const transferred = (e: { type: string; change?: string; conversationId?: string }) =>
      e.type === 'conversation.updated' && e.change === 'transferred' && e.conversationId === conversationId;
    await eventually(async () => agent.received.find(transferred));
    expect(agent.received.filter(transferred)).toHaveLength(1);
    expect(agent.received.find(transferred)).toMatchObject({ queue: 'front-desk', previousQueue: 'billing' });
    await eventually(async () => !(await inRoom()).includes(agent.socket.id!));
    expect(await inRoom()).toContain(admin.socket.id);

    // Later work on the conversation reaches the admin (still in the room), not the agent.
    await api.post(`/conversations/${conversationId}/notes`, { body: 'called the patient back' }).expect(201);
    admin.socket.emit('typing', { conversationId });
    await eventually(async () =>
      admin.received.find((e) => e.type === 'conversation.updated' && e.change === 'note'),
    );
    expect(agent.received.filter((e) => e.conversationId === conversationId).map((e) => e.change)).toEqual([
      'transferred',
    ]);
    // And she cannot join it again.
    expect(await agent.socket.timeout(2000).emitWithAck('subscribe', { conversationId })).toEqual({
      ok: false,
      code: 'forbidden_queue',
    });
  } finally {
    agent.socket.disconnect();
    admin.socket.disconnect();
  }
});

test('an admin changing an agent’s queues closes her live sockets: she reconnects with the new queues; disabled, she cannot reconnect', async () => {
  const api = await t.api();
  const created = await api
    .post('/staff', {
      email: 'moving.agent@clinic.test',
      name: 'Moving Agent',
      role: 'agent',
      password: 'moving-agent-password',
      queues: ['billing'],
    })
    .expect(201);
  const staffId = created.body.staff.id as string;
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'moving.agent@clinic.test', password: 'moving-agent-password' })
    .expect(200);
  const socket = io(`${t.hub.url}/inbox`, {
    auth: { token: login.body.token },
    transports: ['websocket'],
    forceNew: true,
  });
  const queuesSeen: string[] = [];
  const reasons: string[] = [];
  let connects = 0;
  socket.on('connect', () => {
    connects += 1;
  });
  socket.on('disconnect', (reason) => {
    reasons.push(reason);
    // What the inbox page does (web/inbox/live.ts): a disconnect by the hub is answered at once.
    if (reason === 'io server disconnect') socket.connect();
  });
  // Every event she receives names its queue (triage announces the routed conversation).
  socket.onAny((_type: string, event: { queue?: string } | undefined) => {
    if (event?.queue) queuesSeen.push(event.queue);
  });
  try {
    await eventually(async () => connects === 1);
    await triagedConversation('why is my bill $240? I thought insurance covered it');
    await eventually(async () => queuesSeen.includes('billing'));

    await api.patch(`/staff/${staffId}`, { queues: ['refills'] }).expect(200);
    await eventually(async () => connects === 2);
    expect(reasons).toEqual(['io server disconnect']);
    queuesSeen.length = 0;
    await triagedConversation('why is my bill $310? I thought insurance covered it');
    await triagedConversation('I need a refill of my inhaler please');
    await eventually(async () => queuesSeen.includes('refills'));
    expect(queuesSeen).not.toContain('billing');

    const refused = new Promise<string>((resolve) =>
      socket.once('connect_error', (err) => resolve(err.message)),
    );
    await api.patch(`/staff/${staffId}`, { disabled: true }).expect(200);
    expect(await refused).toMatch(/token|session|auth/i);
    expect(socket.connected).toBe(false);
  } finally {
    socket.disconnect();
  }
});
