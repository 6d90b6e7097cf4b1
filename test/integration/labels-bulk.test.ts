import request from 'supertest';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// Labels and bulk actions (issue 14 item 8) as an admin, as an agent of another queue, and anonymously.
let t: TestHub;
let admin: StaffApi;
let billingAgent: StaffApi;
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

const auditActions = async (action: string) =>
  queryRows<{ subject_id: string | null; detail: Record<string, unknown> }>(
    t.database.url,
    'select subject_id, detail from audit_log where action = $1 order by id',
    [action],
  );

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  ({ api: billingAgent } = await signedInStaff(t, {
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

test('supervisors and admins create labels (validated, unique by name whatever the case); agents may not; anonymous gets 401', async () => {
  const created = await admin.post('/labels', { name: '  Interpreter ', color: 'blue' }).expect(201);
  expect(created.body.label).toEqual({ id: expect.any(String), name: 'Interpreter', color: 'blue' });
  const again = await admin.post('/labels', { name: 'INTERPRETER' }).expect(409);
  expect(again.body.error.code).toBe('label_exists');
  const bad = await admin.post('/labels', { name: '', color: 'neon' }).expect(400);
  expect(bad.body.error).toEqual(
    expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  );
  const agent = await billingAgent.post('/labels', { name: 'Agent made' }).expect(403);
  expect(agent.body.error.code).toBe('forbidden_role');
  await request(t.hub.url).post('/api/v1/labels').send({ name: 'Anonymous' }).expect(401);
  await request(t.hub.url).get('/api/v1/labels').expect(401);
  const listed = await billingAgent.get('/labels').expect(200);
  expect(listed.body.labels.map((l: { name: string }) => l.name)).toEqual(['Interpreter']);
  expect((await auditActions('label.created')).map((r) => r.subject_id)).toEqual([created.body.label.id]);
});

test('a label on a conversation shows in the list and filters it; an agent cannot label a conversation of another queue', async () => {
  const { body } = await admin.post('/labels', { name: 'Billing follow-up', color: 'amber' }).expect(201);
  const labelId = body.label.id as string;
  await billingAgent.post(`/conversations/${billingConversation}/labels`, { labelId }).expect(200);
  const refused = await billingAgent
    .post(`/conversations/${nurseConversation}/labels`, { labelId })
    .expect(403);
  expect(refused.body.error.code).toBe('forbidden_queue');
  await request(t.hub.url)
    .post(`/api/v1/conversations/${billingConversation}/labels`)
    .send({ labelId })
    .expect(401);

  const filtered = await admin.get(`/conversations?label=${labelId}`).expect(200);
  expect(filtered.body.conversations.map((c: { id: string }) => c.id)).toEqual([billingConversation]);
  expect(filtered.body.conversations[0].labels).toEqual([
    { id: labelId, name: 'Billing follow-up', color: 'amber' },
  ]);
  const unknown = await admin
    .post(`/conversations/${billingConversation}/labels`, { labelId: crypto.randomUUID() })
    .expect(422);
  expect(unknown.body.error.code).toBe('unknown_label');

  // Labelling twice changes nothing and records nothing more.
  await billingAgent.post(`/conversations/${billingConversation}/labels`, { labelId }).expect(200);
  await request(t.hub.url)
    .delete(`/api/v1/conversations/${billingConversation}/labels/${labelId}`)
    .expect(401);
  const audits = await auditActions('conversation.labeled');
  expect(audits.map((r) => r.subject_id)).toEqual([billingConversation]);
});

test('bulk actions: an agent selecting a conversation of another queue gets 403 naming it, and nothing is applied', async () => {
  const { body } = await admin.post('/labels', { name: 'Checked', color: 'green' }).expect(201);
  const labelId = body.label.id as string;
  const refused = await billingAgent
    .post('/conversations/bulk', {
      conversationIds: [billingConversation, nurseConversation],
      action: 'label',
      labelId,
    })
    .expect(403);
  expect(refused.body.error).toMatchObject({
    code: 'forbidden_queue',
    details: { conversationIds: [nurseConversation] },
  });
  const none = await admin.get(`/conversations?label=${labelId}&status=all`).expect(200);
  expect(none.body.conversations).toEqual([]);

  const missing = crypto.randomUUID();
  const notFound = await admin
    .post('/conversations/bulk', { conversationIds: [billingConversation, missing], action: 'resolve' })
    .expect(404);
  expect(notFound.body.error.details).toEqual({ conversationIds: [missing] });
  await admin.post('/conversations/bulk', { conversationIds: [], action: 'resolve' }).expect(400);
  await admin
    .post('/conversations/bulk', { conversationIds: [billingConversation], action: 'explode' })
    .expect(400);
  await request(t.hub.url)
    .post('/api/v1/conversations/bulk')
    .send({ conversationIds: [billingConversation], action: 'resolve' })
    .expect(401);
});

test('bulk label, assign, transfer and resolve as an admin; each conversation says whether it changed', async () => {
  const { body } = await admin.post('/labels', { name: 'Batch', color: 'purple' }).expect(201);
  const labelId = body.label.id as string;
  const ids = [billingConversation, nurseConversation];
  const labeled = await admin
    .post('/conversations/bulk', { conversationIds: ids, action: 'label', labelId })
    .expect(200);
  expect(labeled.body).toMatchObject({ applied: 2, failed: 0 });
  const listed = await admin.get(`/conversations?label=${labelId}`).expect(200);
  expect(listed.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());

  const [me] = await queryRows<{ id: string }>(
    t.database.url,
    'select id from staff_users where email = $1',
    ['admin@clinic.test'],
  );
  const assigned = await admin
    .post('/conversations/bulk', { conversationIds: ids, action: 'assign', staffId: me!.id })
    .expect(200);
  expect(assigned.body).toMatchObject({ applied: 2, failed: 0 });
  const resolved = await admin
    .post('/conversations/bulk', { conversationIds: ids, action: 'resolve' })
    .expect(200);
  expect(resolved.body).toMatchObject({ applied: 2, failed: 0 });
  const open = await admin.get(`/conversations?label=${labelId}`).expect(200);
  expect(open.body.conversations).toEqual([]);
  // A resolved conversation cannot be assigned: said per conversation, by id.
  const afterResolve = await admin
    .post('/conversations/bulk', { conversationIds: ids, action: 'assign', staffId: null })
    .expect(200);
  expect(afterResolve.body).toMatchObject({ applied: 0, failed: 2 });
  expect(afterResolve.body.results[0].error.code).toBe('conversation_resolved');

  const transferred = await admin
    .post('/conversations/bulk', {
      conversationIds: [billingConversation],
      action: 'transfer',
      queue: 'front-desk',
    })
    .expect(200);
  expect(transferred.body.results).toEqual([{ id: billingConversation, ok: true }]);
  const bulkAudit = await auditActions('conversation.bulk');
  expect(bulkAudit.at(-1)?.detail).toMatchObject({
    action: 'transfer',
    conversationIds: [billingConversation],
  });
  expect((await auditActions('conversation.resolved')).map((r) => r.subject_id)).toEqual(
    expect.arrayContaining(ids),
  );
});
