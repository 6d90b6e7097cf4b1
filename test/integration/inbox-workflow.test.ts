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

// Claim, assign, transfer, resolve, reopen, snooze, read, priority and notes: each one a stored,
// announced and audited change, refused to anyone outside the conversation's queue.
type Received = { type: string; [key: string]: unknown };

let t: TestHub;
let admin: StaffApi;
const staff: Record<string, { id: string; token: string; api: StaffApi }> = {};
const sockets: Socket[] = [];

async function addStaff(key: string, role: string, queues: string[]) {
  const email = `${key}@clinic.test`;
  const created = await admin
    .post('/staff', { email, name: `Name ${key}`, role, password: 'long-enough-password', queues })
    .expect(201);
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email, password: 'long-enough-password' })
    .expect(200);
  staff[key] = {
    id: created.body.staff.id,
    token: login.body.token,
    api: staffApiAs(t.hub.url, login.body.token),
  };
}

/** A patient text, once triage has routed it (so triage cannot move it while the test works on it). */
async function triaged(
  body: string,
  phone = randomUsPhone(),
): Promise<{ conversationId: string; phone: string }> {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const conversationId = await eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; triage: unknown }>(
      t.database.url,
      'select conversation_id, triage from messages where from_address = $1 order by created_at desc limit 1',
      [phone],
    );
    return row?.triage ? row.conversation_id : null;
  });
  return { conversationId, phone };
}

async function openSocket(token: string): Promise<Received[]> {
  const received: Received[] = [];
  const socket = connect(`${t.hub.url}/inbox`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  socket.onAny((type: string, payload: Record<string, unknown>) => received.push({ ...payload, type }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return received;
}

const updates = (received: Received[], conversationId: string, change: string) =>
  received.filter(
    (e) => e.type === 'conversation.updated' && e.conversationId === conversationId && e.change === change,
  );

const auditActions = async (conversationId: string) =>
  (
    await queryRows<{ action: string; actor_id: string }>(
      t.database.url,
      "select action, actor_id from audit_log where subject_type = 'conversation' and subject_id = $1 order by id",
      [conversationId],
    )
  ).map((r) => r.action);

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  await addStaff('ana', 'agent', ['front-desk']);
  await addStaff('ben', 'agent', ['front-desk']);
  await addStaff('bill', 'agent', ['billing']);
  await addStaff('sue', 'supervisor', []);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t.stop();
});

test('claim: the first agent holds it, a second gets 409 already_claimed, the holder may claim again', async () => {
  const events = await openSocket(await t.staffToken());
  const { conversationId } = await triaged('hello, what are your opening hours on saturday?');
  const claimed = await staff.ana!.api.post(`/conversations/${conversationId}/claim`, {}).expect(200);
  expect(claimed.body.conversation).toMatchObject({
    id: conversationId,
    queue: 'front-desk',
    status: 'open',
    assigneeId: staff.ana!.id,
    assignee: { id: staff.ana!.id, name: 'Name ana' },
  });
  const taken = await staff.ben!.api.post(`/conversations/${conversationId}/claim`, {}).expect(409);
  expect(taken.body.error).toMatchObject({ code: 'already_claimed', details: { assigneeId: staff.ana!.id } });
  await staff.ana!.api.post(`/conversations/${conversationId}/claim`, {}).expect(200);

  const [event] = await eventually(async () => {
    const found = updates(events, conversationId, 'claimed');
    return found.length > 0 ? found : null;
  });
  expect(event).toMatchObject({
    conversationId,
    queue: 'front-desk',
    status: 'open',
    assigneeId: staff.ana!.id,
    actorId: staff.ana!.id,
  });
  expect(JSON.stringify(event)).not.toMatch(/saturday|opening/i);
  // One change, one event and one audit row: the refused claim and the re-claim wrote nothing.
  const stored = await queryRows(
    t.database.url,
    "select 1 from hub_events where conversation_id = $1 and payload->>'change' = 'claimed'",
    [conversationId],
  );
  expect(stored).toHaveLength(1);
  expect(await auditActions(conversationId)).toEqual(['conversation.claimed']);
});

test('an agent outside the queue can do nothing to the conversation: 403 forbidden_queue, no event', async () => {
  const { conversationId } = await triaged('can I get a copy of my vaccination record');
  const bill = staff.bill!.api;
  for (const [path, body] of [
    ['claim', {}],
    ['assign', { staffId: staff.bill!.id }],
    ['transfer', { queue: 'billing' }],
    ['resolve', {}],
    ['reopen', {}],
    ['snooze', { until: new Date(Date.now() + 3_600_000).toISOString() }],
    ['read', {}],
    ['priority', { priority: 3 }],
    ['notes', { body: 'sneaky note' }],
  ] as const) {
    const res = await bill.post(`/conversations/${conversationId}/${path}`, body).expect(403);
    expect(res.body.error.code).toBe('forbidden_queue');
  }
  const events = await queryRows(
    t.database.url,
    "select 1 from hub_events where conversation_id = $1 and payload ? 'change'",
    [conversationId],
  );
  expect(events).toHaveLength(0);
  expect(await auditActions(conversationId)).toEqual([]);
});

test('assign: supervisors assign anyone who can see the queue; an agent only herself', async () => {
  const { conversationId } = await triaged('is dr patel taking new patients');
  const byAgent = await staff
    .ben!.api.post(`/conversations/${conversationId}/assign`, { staffId: staff.ana!.id })
    .expect(403);
  expect(byAgent.body.error.code).toBe('forbidden_role');
  await staff
    .ben!.api.post(`/conversations/${conversationId}/assign`, { staffId: staff.ben!.id })
    .expect(200);
  // Ben lets go; then the supervisor hands it to Ana.
  await staff.ben!.api.post(`/conversations/${conversationId}/assign`, { staffId: null }).expect(200);
  const cannotSee = await staff
    .sue!.api.post(`/conversations/${conversationId}/assign`, { staffId: staff.bill!.id })
    .expect(422);
  expect(cannotSee.body.error.code).toBe('assignee_cannot_see_queue');
  const res = await staff
    .sue!.api.post(`/conversations/${conversationId}/assign`, { staffId: staff.ana!.id })
    .expect(200);
  expect(res.body.conversation.assignee).toEqual({ id: staff.ana!.id, name: 'Name ana' });
  const mine = await staff.ana!.api.get('/conversations?assignee=me').expect(200);
  expect(mine.body.conversations.map((c: { id: string }) => c.id)).toContain(conversationId);
  const unassigned = await staff.ana!.api.get('/conversations?assignee=unassigned').expect(200);
  expect(unassigned.body.conversations.map((c: { id: string }) => c.id)).not.toContain(conversationId);
  expect(await auditActions(conversationId)).toEqual([
    'conversation.assigned',
    'conversation.assigned',
    'conversation.assigned',
  ]);
});

test('transfer: an agent moves it out of her queue with a note; both queues hear of it; she loses access', async () => {
  const frontDesk = await openSocket(staff.ben!.token);
  const billing = await openSocket(staff.bill!.token);
  const { conversationId } = await triaged('hi, question about the letter you sent me');
  await staff.ana!.api.post(`/conversations/${conversationId}/claim`, {}).expect(200);
  const unknown = await staff
    .ana!.api.post(`/conversations/${conversationId}/transfer`, { queue: 'no-such-queue' })
    .expect(422);
  expect(unknown.body.error.code).toBe('unknown_queue');
  const res = await staff
    .ana!.api.post(`/conversations/${conversationId}/transfer`, {
      queue: 'billing',
      note: 'asks about an invoice',
    })
    .expect(200);
  expect(res.body.conversation).toMatchObject({ queue: 'billing', assigneeId: null, assignee: null });
  for (const received of [frontDesk, billing]) {
    const [event] = await eventually(async () => {
      const found = updates(received, conversationId, 'transferred');
      return found.length > 0 ? found : null;
    });
    expect(event).toMatchObject({ queue: 'billing', previousQueue: 'front-desk', assigneeId: null });
    expect(typeof event!.noteId).toBe('string');
    expect(JSON.stringify(event)).not.toContain('invoice');
  }
  await staff.ana!.api.get(`/conversations/${conversationId}`).expect(403);
  const detail = await staff.bill!.api.get(`/conversations/${conversationId}`).expect(200);
  expect(detail.body.conversation.notes).toEqual([
    expect.objectContaining({
      body: 'asks about an invoice',
      author: { id: staff.ana!.id, name: 'Name ana' },
    }),
  ]);
  await staff.bill!.api.post(`/conversations/${conversationId}/transfer`, { queue: 'billing' }).expect(409);
});

test('resolve and reopen; a reopen while the patient has a newer conversation is 409', async () => {
  const { conversationId, phone } = await triaged('thanks for the help yesterday');
  const resolved = await staff.ana!.api.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  expect(resolved.body.conversation.status).toBe('resolved');
  const open = await admin.get('/conversations').expect(200);
  expect(open.body.conversations.map((c: { id: string }) => c.id)).not.toContain(conversationId);
  const done = await admin.get('/conversations?status=resolved').expect(200);
  expect(done.body.conversations.map((c: { id: string }) => c.id)).toContain(conversationId);
  const claim = await staff.ana!.api.post(`/conversations/${conversationId}/claim`, {}).expect(409);
  expect(claim.body.error.code).toBe('conversation_resolved');

  const again = await triaged('one more thing, do you validate parking', phone);
  expect(again.conversationId).not.toBe(conversationId);
  const clash = await staff.ana!.api.post(`/conversations/${conversationId}/reopen`, {}).expect(409);
  expect(clash.body.error).toMatchObject({
    code: 'conversation_active_elsewhere',
    details: { conversationId: again.conversationId },
  });
  await staff.ana!.api.post(`/conversations/${again.conversationId}/resolve`, {}).expect(200);
  const reopened = await staff.ana!.api.post(`/conversations/${conversationId}/reopen`, {}).expect(200);
  expect(reopened.body.conversation.status).toBe('open');
  expect(await auditActions(conversationId)).toEqual(['conversation.resolved', 'conversation.reopened']);
});

test('snooze hides it from the default list until the patient writes again', async () => {
  const { conversationId, phone } = await triaged('I will call back next week about the referral');
  const until = new Date(Date.now() + 3 * 3_600_000).toISOString();
  const res = await staff.ana!.api.post(`/conversations/${conversationId}/snooze`, { until }).expect(200);
  expect(res.body.conversation.snoozedUntil).toBe(until);
  const ids = async (query: string) =>
    (await staff.ana!.api.get(`/conversations${query}`).expect(200)).body.conversations.map(
      (c: { id: string }) => c.id,
    );
  expect(await ids('')).not.toContain(conversationId);
  const snoozed = await staff.ana!.api.get('/conversations?status=snoozed').expect(200);
  expect(snoozed.body.conversations.find((c: { id: string }) => c.id === conversationId)).toMatchObject({
    snoozedUntil: until,
  });
  const past = await staff
    .ana!.api.post(`/conversations/${conversationId}/snooze`, {
      until: new Date(Date.now() - 60_000).toISOString(),
    })
    .expect(422);
  expect(past.body.error.code).toBe('invalid_snooze');

  await triaged('actually, can someone call me today?', phone);
  expect(await ids('')).toContain(conversationId);
  expect(await ids('?status=snoozed')).not.toContain(conversationId);
});

test('read markers are per staff member and drive the unread flag and the queue counts', async () => {
  const { conversationId, phone } = await triaged('do you have any appointments left this afternoon');
  const row = async (api: StaffApi) =>
    (await api.get('/conversations').expect(200)).body.conversations.find(
      (c: { id: string }) => c.id === conversationId,
    );
  const unreadCount = async (api: StaffApi) =>
    (await api.get('/queues').expect(200)).body.queues.find((q: { id: string }) => q.id === 'front-desk')
      .unread;
  expect((await row(staff.ana!.api)).unread).toBe(true);
  const before = await unreadCount(staff.ana!.api);
  const read = await staff.ana!.api.post(`/conversations/${conversationId}/read`, {}).expect(200);
  expect(read.body.conversationId).toBe(conversationId);
  expect((await row(staff.ana!.api)).unread).toBe(false);
  expect(await unreadCount(staff.ana!.api)).toBe(before - 1);
  // Ben has not read it.
  expect((await row(staff.ben!.api)).unread).toBe(true);
  await triaged('hello? anyone there?', phone);
  expect((await row(staff.ana!.api)).unread).toBe(true);
});

test('priority: raised urgency shortens the SLA and sorts it first', async () => {
  const { conversationId } = await triaged('when is my next appointment');
  const res = await staff
    .ana!.api.post(`/conversations/${conversationId}/priority`, { priority: 3, urgency: 'urgent' })
    .expect(200);
  expect(res.body.conversation).toMatchObject({ priority: 3, urgency: 'urgent' });
  expect(Date.parse(res.body.conversation.slaDueAt) - Date.now()).toBeLessThanOrEqual(60 * 60_000);
  const list = await staff.ana!.api.get('/conversations?sort=priority&limit=1').expect(200);
  expect(list.body.conversations[0].id).toBe(conversationId);
  await staff.ana!.api.post(`/conversations/${conversationId}/priority`, { priority: 7 }).expect(400);
  expect(await auditActions(conversationId)).toEqual(['conversation.priority']);
});

test('notes: 201, listed with their author, announced without the text, never sent to the patient', async () => {
  const events = await openSocket(staff.ben!.token);
  const { conversationId } = await triaged('my daughter needs a school physical form');
  const sentBefore = t.twilio.messages.length;
  const res = await staff
    .ben!.api.post(`/conversations/${conversationId}/notes`, {
      body: 'Mother called too; form is in the portal',
    })
    .expect(201);
  expect(res.body.note).toEqual({
    id: expect.any(String),
    body: 'Mother called too; form is in the portal',
    author: { id: staff.ben!.id, name: 'Name ben' },
    createdAt: expect.any(String),
  });
  const [event] = await eventually(async () => {
    const found = updates(events, conversationId, 'note');
    return found.length > 0 ? found : null;
  });
  expect(event).toMatchObject({ noteId: res.body.note.id, queue: 'front-desk' });
  expect(JSON.stringify(event)).not.toContain('portal');
  const detail = await staff.ben!.api.get(`/conversations/${conversationId}`).expect(200);
  expect(detail.body.conversation.notes).toHaveLength(1);
  expect(JSON.stringify(detail.body.conversation.messages)).not.toContain('portal');
  const stored = await queryRows(t.database.url, "select 1 from messages where body like '%portal%'");
  expect(stored).toHaveLength(0);
  await new Promise((r) => setTimeout(r, 300));
  expect(t.twilio.messages.slice(sentBefore).some((m) => JSON.stringify(m).includes('portal'))).toBe(false);
  await staff.ben!.api.post(`/conversations/${conversationId}/notes`, { body: '   ' }).expect(400);
});

test('a supervisor’s socket follows queues added after start; a reconnecting agent gets the transfer replayed', async () => {
  await admin.post('/queues', { id: 'urgent-care', name: 'Urgent care' }).expect(201);
  const supervisor = await openSocket(staff.sue!.token);
  const { conversationId } = await triaged('can someone call me about my paperwork today');
  const [last] = await queryRows<{ id: string }>(t.database.url, 'select max(id) as id from hub_events');
  await admin.post(`/conversations/${conversationId}/transfer`, { queue: 'urgent-care' }).expect(200);
  await admin.post(`/conversations/${conversationId}/priority`, { priority: 2 }).expect(200);
  const [moved] = await eventually(async () => {
    const found = updates(supervisor, conversationId, 'priority');
    return found.length > 0 ? found : null;
  });
  expect(moved).toMatchObject({ queue: 'urgent-care', priority: 2 });

  // Ben (front-desk) was offline: on reconnect he sees it leave his queue, not what happened after.
  const replayed: Received[] = [];
  const socket = connect(`${t.hub.url}/inbox`, {
    auth: { token: staff.ben!.token, lastEventId: Number(last!.id) },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  socket.onAny((type: string, payload: Record<string, unknown>) => replayed.push({ ...payload, type }));
  const [left] = await eventually(async () => {
    const found = updates(replayed, conversationId, 'transferred');
    return found.length > 0 ? found : null;
  });
  expect(left).toMatchObject({ queue: 'urgent-care', previousQueue: 'front-desk' });
  await new Promise((r) => setTimeout(r, 200));
  expect(updates(replayed, conversationId, 'priority')).toEqual([]);
});

test('triage override: staff change intent, queue and urgency; the conversation moves live and the machine decision is kept', async () => {
  const billing = await openSocket(staff.bill!.token);
  const { conversationId } = await triaged('hi, question about the letter you sent me');
  const [message] = await queryRows<{ id: string; triage: { intent: string } }>(
    t.database.url,
    "select id, triage from messages where conversation_id = $1 and direction = 'inbound'",
    [conversationId],
  );
  const intents = await staff.ana!.api.get('/triage/intents').expect(200);
  expect(intents.body.intents).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ name: 'billing', queue: 'billing' }),
      // The names staff read come from intents/*.yaml, beside the fields the page already had.
      expect.objectContaining({
        name: 'clinical_question',
        label: 'Clinical question',
        summary: 'Asked a clinical question',
        description: expect.any(String),
        urgency: expect.any(String),
      }),
      expect.objectContaining({ name: 'help', label: 'Help with the text line' }),
    ]),
  );
  const path = `/messages/${message!.id}/triage-override`;
  expect((await staff.ana!.api.post(path, { queue: 'no-such-queue' }).expect(422)).body.error.code).toBe(
    'unknown_queue',
  );
  expect((await staff.bill!.api.post(path, { urgency: 'urgent' }).expect(403)).body.error.code).toBe(
    'forbidden_queue',
  );
  await staff.ana!.api.post(path, {}).expect(400);

  const res = await staff
    .ana!.api.post(path, { intent: 'billing', queue: 'billing', urgency: 'urgent' })
    .expect(200);
  expect(res.body.triage.intent).toBe(message!.triage.intent);
  expect(res.body.override).toMatchObject({ intent: 'billing', queue: 'billing', urgency: 'urgent' });
  expect(res.body.conversation).toMatchObject({ queue: 'billing', urgency: 'urgent', priority: 2 });
  const [event] = await eventually(async () => {
    const found = updates(billing, conversationId, 'triage_override');
    return found.length > 0 ? found : null;
  });
  expect(event).toMatchObject({
    queue: 'billing',
    previousQueue: 'front-desk',
    urgency: 'urgent',
    messageId: message!.id,
  });
  // The thread shows the override beside the machine's decision.
  const detail = await staff.bill!.api.get(`/conversations/${conversationId}`).expect(200);
  const shown = detail.body.conversation.messages.find((m: { id: string }) => m.id === message!.id);
  expect(shown.triage.intent).toBe(message!.triage.intent);
  expect(shown.triageOverride).toMatchObject({ intent: 'billing', urgency: 'urgent' });
  expect(await auditActions(conversationId)).toContain('conversation.triage_override');
});
