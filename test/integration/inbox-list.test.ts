import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// What the inbox list, the detail, the template picker and the supervisor stats show.
let t: TestHub;
let admin: StaffApi;

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

const contactOf = async (conversationId: string) =>
  (await admin.get(`/conversations/${conversationId}`).expect(200)).body.conversation.contact.id as string;

const listIds = async (query: Record<string, string>) =>
  (await admin.get(`/conversations?${new URLSearchParams(query)}`).expect(200)).body.conversations.map(
    (c: { id: string }) => c.id,
  );

let insulin: { conversationId: string; phone: string };
let billing: { conversationId: string; phone: string };
let emergency: { conversationId: string; phone: string };

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  insulin = await triaged('I am almost out of my insulin pens, can you send a refill to CVS?');
  billing = await triaged('why is my bill $240? I thought insurance covered it');
  emergency = await triaged('crushing chest pain and my left arm is numb');
  await admin
    .patch(`/contacts/${await contactOf(billing.conversationId)}`, {
      name: 'Rosa Martínez',
      email: 'rosa.martinez@example.org',
      language: 'es',
    })
    .expect(200);
});
afterAll(async () => {
  await t.stop();
});

test('each summary carries contact, snippet, channels, assignee, unread and snooze, next to the old fields', async () => {
  const long = `${'Please call me back about the form I sent. '.repeat(6)}end`;
  const { conversationId } = await triaged(long);
  await admin.post(`/conversations/${conversationId}/claim`, {}).expect(200);
  const res = await admin.get('/conversations').expect(200);
  const row = res.body.conversations.find((c: { id: string }) => c.id === conversationId);
  expect(row).toMatchObject({
    id: conversationId,
    status: 'open',
    queue: expect.any(String),
    priority: expect.any(Number),
    urgency: expect.any(String),
    lastActivityAt: expect.any(String),
    contact: { id: expect.any(String), displayName: null },
    lastMessage: { direction: 'inbound', channel: 'sms', body: long },
    lastMessageChannel: 'sms',
    channels: ['sms'],
    assignee: { id: expect.any(String), name: 'Administrator' },
    unread: true,
    snoozedUntil: null,
  });
  expect(row.snippet).toHaveLength(140);
  expect(long.startsWith(row.snippet.slice(0, 139))).toBe(true);
});

test("an emergency's row previews the patient's words, and marks the hub's safety reply as the hub's", async () => {
  // The safety reply is an outbound row written by triage: wait until it is the conversation's newest.
  const row = await eventually(async () => {
    const res = await admin.get('/conversations?urgency=emergency').expect(200);
    const found = res.body.conversations.find((c: { id: string }) => c.id === emergency.conversationId);
    return found?.lastMessage?.direction === 'outbound' ? found : null;
  });
  expect(row.lastMessage.body).not.toContain('crushing chest pain');
  expect(row.patientSnippet).toBe('crushing chest pain and my left arm is numb');
  expect(row.lastPatientMessageAt).toEqual(expect.any(String));
  expect(row.lastReply).toEqual({ by: 'hub', snippet: row.snippet });
});

test("a staff answer is marked as staff's, under the patient's words", async () => {
  const { conversationId } = await triaged('Can I move my physio session to Friday afternoon?');
  await admin
    .post(`/conversations/${conversationId}/messages`, { body: 'Friday 3 pm works', sensitivity: 'public' })
    .expect(202);
  const res = await admin.get('/conversations?status=all&q=physio').expect(200);
  const row = res.body.conversations.find((c: { id: string }) => c.id === conversationId);
  expect(row.patientSnippet).toBe('Can I move my physio session to Friday afternoon?');
  expect(row.lastReply).toEqual({ by: 'staff', snippet: 'Friday 3 pm works' });
  expect(row.lastMessage.direction).toBe('outbound');
});

test('q searches message text by word prefix, the contact name, phone digits and email', async () => {
  expect(await listIds({ q: 'insul' })).toEqual([insulin.conversationId]);
  expect(await listIds({ q: 'INSULIN pens' })).toEqual([insulin.conversationId]);
  expect(await listIds({ q: 'rosa' })).toEqual([billing.conversationId]);
  expect(await listIds({ q: 'Martínez' })).toEqual([billing.conversationId]);
  expect(await listIds({ q: 'rosa.martinez@example' })).toEqual([billing.conversationId]);
  const digits = billing.phone.slice(-7);
  const formatted = `(${billing.phone.slice(2, 5)}) ${billing.phone.slice(5, 8)}-${billing.phone.slice(8)}`;
  expect(await listIds({ q: digits })).toEqual([billing.conversationId]);
  expect(await listIds({ q: formatted })).toEqual([billing.conversationId]);
  expect(await listIds({ q: 'zzzz-nothing-like-this' })).toEqual([]);
  // Characters that mean something to tsquery or LIKE are only text.
  expect(await listIds({ q: "insul:* | ! & ('" })).toEqual([insulin.conversationId]);
  expect(await listIds({ q: '100%' })).toEqual([]);
});

test('filters: urgency, channel, queue and assignee combine', async () => {
  expect(await listIds({ urgency: 'emergency' })).toEqual([emergency.conversationId]);
  expect(await listIds({ queue: 'billing' })).toEqual([billing.conversationId]);
  expect(await listIds({ channel: 'email', q: 'insulin' })).toEqual([]);
  expect(await listIds({ channel: 'sms', q: 'insulin' })).toEqual([insulin.conversationId]);
  expect(await listIds({ assignee: 'unassigned', q: 'insulin' })).toEqual([insulin.conversationId]);
  expect(await listIds({ assignee: 'me', q: 'insulin' })).toEqual([]);
  const bad = await admin.get('/conversations?status=closed').expect(400);
  expect(bad.body.error.code).toBe('validation_failed');
});

test('sort=priority puts emergencies first, then the earliest SLA, and pages by cursor without repeats', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: request.Response = await admin
      .get(
        `/conversations?${new URLSearchParams({ sort: 'priority', limit: '2', ...(cursor ? { cursor } : {}) })}`,
      )
      .expect(200);
    seen.push(...res.body.conversations.map((c: { id: string }) => c.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(seen[0]).toBe(emergency.conversationId);
  expect(new Set(seen).size).toBe(seen.length);
  const all = await queryRows<{ id: string }>(
    t.database.url,
    "select id from conversations where status <> 'resolved' order by priority desc, sla_due_at asc nulls last, last_activity_at desc, id desc",
  );
  expect(seen).toEqual(all.map((r) => r.id));
  const activityCursor = (await admin.get('/conversations?limit=1').expect(200)).body.nextCursor;
  const mixed = await admin.get(`/conversations?sort=priority&cursor=${activityCursor}`).expect(400);
  expect(mixed.body.error.code).toBe('invalid_cursor');
});

test('the detail shows the contact panel (language, latest consent per channel), staff authors and notes', async () => {
  const contactId = await contactOf(billing.conversationId);
  await admin
    .post(`/contacts/${contactId}/consents`, { channel: 'email', purpose: 'marketing', status: 'opted_in' })
    .expect(201);
  await admin
    .post(`/contacts/${contactId}/consents`, { channel: 'email', purpose: 'marketing', status: 'opted_out' })
    .expect(201);
  await admin
    .post(`/conversations/${billing.conversationId}/messages`, {
      body: 'We are looking into it',
      sensitivity: 'limited',
    })
    .expect(202);
  await admin.post(`/conversations/${billing.conversationId}/notes`, { body: 'check the EOB' }).expect(201);
  const detail = (await admin.get(`/conversations/${billing.conversationId}`).expect(200)).body.conversation;
  expect(detail.contact).toMatchObject({ displayName: 'Rosa Martínez', language: 'es' });
  expect(detail.contact.consents).toEqual([
    expect.objectContaining({ channel: 'email', purpose: 'marketing', status: 'opted_out' }),
  ]);
  const reply = detail.messages.find((m: { direction: string }) => m.direction === 'outbound');
  expect(reply.author).toEqual({ id: expect.any(String), name: 'Administrator' });
  expect(detail.messages.find((m: { direction: string }) => m.direction === 'inbound').author).toBeNull();
  expect(detail.notes).toEqual([expect.objectContaining({ body: 'check the EOB' })]);
  const audits = await queryRows(
    t.database.url,
    "select 1 from audit_log where action = 'conversation.read' and subject_id = $1",
    [billing.conversationId],
  );
  expect(audits.length).toBeGreaterThan(0);
});

test('GET /templates lists the catalog with variables for the picker', async () => {
  const res = await admin.get('/templates').expect(200);
  const reminder = res.body.templates.find((x: { id: string }) => x.id === 'appointment-reminder');
  expect(reminder).toMatchObject({
    purpose: expect.any(String),
    sensitivity: expect.stringMatching(/^(public|limited|phi)$/),
    channels: expect.arrayContaining(['sms']),
    locales: expect.arrayContaining(['en', 'es']),
  });
  expect(reminder.variables.length).toBeGreaterThan(0);
  for (const variable of reminder.variables) {
    expect(Object.keys(variable).sort()).toEqual([
      'description',
      'label',
      'name',
      'required',
      'type',
      'value',
    ]);
    expect(['string', 'date', 'datetime', 'number', 'url']).toContain(variable.type);
    expect(typeof variable.required).toBe('boolean');
  }
  expect(JSON.stringify(res.body)).not.toMatch(/\{\{/);
});

test('GET /stats/queues: today per queue for supervisors; agents get 403', async () => {
  const { conversationId } = await triaged('can I pay my balance over the phone');
  await new Promise((r) => setTimeout(r, 1100));
  await admin
    .post(`/conversations/${conversationId}/messages`, {
      body: 'Yes, call us any time',
      sensitivity: 'public',
    })
    .expect(202);
  const res = await admin.get('/stats/queues').expect(200);
  expect(res.body.timeZone).toEqual(expect.any(String));
  expect(res.body.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const byQueue = Object.fromEntries(res.body.queues.map((q: { queue: string }) => [q.queue, q]));
  expect(byQueue['nurse-triage']).toMatchObject({ emergenciesToday: 1, volumeToday: 1, openNow: 1 });
  expect(byQueue.billing.volumeToday).toBe(2);
  expect(byQueue.billing.openNow).toBe(2);
  expect(byQueue.billing.slaBreaches).toBe(0);
  // Two answered billing conversations: one within a second or so, one later in the suite.
  expect(byQueue.billing.medianFirstResponseSeconds).toBeGreaterThanOrEqual(1);
  expect(byQueue['nurse-triage'].medianFirstResponseSeconds).toBeNull();

  await queryRows(
    t.database.url,
    "update conversations set sla_due_at = now() - interval '1 minute' where id = $1",
    [conversationId],
  );
  const late = await admin.get('/stats/queues').expect(200);
  expect(late.body.queues.find((q: { queue: string }) => q.queue === 'billing').slaBreaches).toBe(1);
  const queues = await admin.get('/queues').expect(200);
  expect(queues.body.queues.find((q: { id: string }) => q.id === 'billing').slaBreached).toBe(1);
  expect(queues.body.queues.find((q: { id: string }) => q.id === 'nurse-triage').emergencies).toBe(1);

  await admin
    .post('/staff', {
      email: 'stats.agent@clinic.test',
      name: 'Agent',
      role: 'agent',
      password: 'long-enough-password',
      queues: ['billing'],
    })
    .expect(201);
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'stats.agent@clinic.test', password: 'long-enough-password' })
    .expect(200);
  const denied = await request(t.hub.url)
    .get('/api/v1/stats/queues')
    .set('Authorization', `Bearer ${login.body.token}`)
    .expect(403);
  expect(denied.body.error.code).toBe('forbidden_role');
});

test('a row and a thread name an unknown SMS patient by her formatted phone, a named one by name with the phone beside it', async () => {
  const grouped = (phone: string) => `+1 ${phone.slice(2, 5)} ${phone.slice(5, 8)} ${phone.slice(8)}`;
  const res = await admin.get('/conversations?status=all').expect(200);
  const rows = new Map(res.body.conversations.map((c: { id: string }) => [c.id, c]));
  expect(rows.get(insulin.conversationId)).toMatchObject({
    displayName: grouped(insulin.phone),
    displayAddress: grouped(insulin.phone),
  });
  expect(rows.get(billing.conversationId)).toMatchObject({
    displayName: 'Rosa Martínez',
    displayAddress: grouped(billing.phone),
  });
  const detail = (await admin.get(`/conversations/${insulin.conversationId}`).expect(200)).body.conversation;
  expect(detail).toMatchObject({
    displayName: grouped(insulin.phone),
    displayAddress: grouped(insulin.phone),
  });
  expect(detail.contact.identities).toContainEqual(
    expect.objectContaining({ kind: 'phone', address: insulin.phone, display: grouped(insulin.phone) }),
  );
});
