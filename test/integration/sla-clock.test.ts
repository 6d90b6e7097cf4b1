import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// The SLA clock: it runs while a conversation waits on the clinic, stops at the first staff reply,
// and starts again with the next patient message.
let t: TestHub;
let admin: StaffApi;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

/** A billing question from `phone`, once triaged; returns its conversation. */
async function billingQuestion(phone: string, body = 'why is my bill $240? I thought insurance covered it') {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; triage: unknown }>(
      t.database.url,
      "select conversation_id, triage from messages where from_address = $1 and direction = 'inbound' order by created_at desc limit 1",
      [phone],
    );
    return row?.triage ? row.conversation_id : null;
  });
}

const slaDueAt = async (conversationId: string) =>
  (
    await queryRows<{ sla_due_at: Date | null }>(
      t.database.url,
      'select sla_due_at from conversations where id = $1',
      [conversationId],
    )
  )[0]!.sla_due_at;

const makeLate = (conversationId: string) =>
  queryRows(
    t.database.url,
    "update conversations set sla_due_at = now() - interval '1 minute' where id = $1",
    [conversationId],
  );

const billingStats = async () =>
  (await admin.get('/stats/queues').expect(200)).body.queues.find(
    (q: { queue: string }) => q.queue === 'billing',
  ) as { slaBreaches: number };
const billingQueue = async () =>
  (await admin.get('/queues').expect(200)).body.queues.find((q: { id: string }) => q.id === 'billing') as {
    slaBreached: number;
  };
const listed = async (conversationId: string) =>
  (await admin.get('/conversations?queue=billing&status=all&limit=200').expect(200)).body.conversations.find(
    (c: { id: string }) => c.id === conversationId,
  ) as { slaDueAt: string | null };

const reply = (conversationId: string, body = 'We are looking into it.') =>
  admin.post(`/conversations/${conversationId}/messages`, { body, sensitivity: 'limited' }).expect(202);

test('a late conversation stops breaching when staff answer; the late answer still counts in today’s stats', async () => {
  const phone = randomUsPhone();
  const conversationId = await billingQuestion(phone);
  expect(await slaDueAt(conversationId)).not.toBeNull();
  await makeLate(conversationId);
  expect((await billingQueue()).slaBreached).toBe(1);
  expect((await billingStats()).slaBreaches).toBe(1);
  expect((await listed(conversationId)).slaDueAt).not.toBeNull();

  const answered = await reply(conversationId);
  expect(await slaDueAt(conversationId)).toBeNull();
  expect((await listed(conversationId)).slaDueAt).toBeNull();
  expect(
    (await admin.get(`/conversations/${conversationId}`).expect(200)).body.conversation.slaDueAt,
  ).toBeNull();
  // Waiting past due: nobody now. Breached today: still this one, answered late.
  expect((await billingQueue()).slaBreached).toBe(0);
  expect((await billingStats()).slaBreaches).toBe(1);
  const [row] = await queryRows<{ answered_sla_due_at: Date | null }>(
    t.database.url,
    'select answered_sla_due_at from messages where id = $1',
    [answered.body.message.id],
  );
  expect(row!.answered_sla_due_at).not.toBeNull();

  // A second reply answers nothing: no clock was running.
  const again = await reply(conversationId, 'Anything else?');
  const [second] = await queryRows<{ answered_sla_due_at: Date | null }>(
    t.database.url,
    'select answered_sla_due_at from messages where id = $1',
    [again.body.message.id],
  );
  expect(second!.answered_sla_due_at).toBeNull();

  // The patient writes again: a new clock, due in the future; the conversation is counted once.
  await billingQuestion(phone, 'and what about the other invoice from March?');
  const due = await slaDueAt(conversationId);
  expect(due).not.toBeNull();
  expect(new Date(due!).getTime()).toBeGreaterThan(Date.now());
  expect((await billingQueue()).slaBreached).toBe(0);
  expect((await billingStats()).slaBreaches).toBe(1);
  // Late again: still one conversation.
  await makeLate(conversationId);
  expect((await billingStats()).slaBreaches).toBe(1);
  await reply(conversationId);
});

test('an answer in time never counts; transferring or re-prioritizing an answered conversation starts no clock', async () => {
  const before = (await billingStats()).slaBreaches;
  const conversationId = await billingQuestion(randomUsPhone());
  await reply(conversationId);
  expect(await slaDueAt(conversationId)).toBeNull();
  expect((await billingStats()).slaBreaches).toBe(before);

  await admin.post(`/conversations/${conversationId}/transfer`, { queue: 'front-desk' }).expect(200);
  expect(await slaDueAt(conversationId)).toBeNull();
  await admin
    .post(`/conversations/${conversationId}/priority`, { priority: 3, urgency: 'urgent' })
    .expect(200);
  expect(await slaDueAt(conversationId)).toBeNull();
});

test('an automated message (a reminder) does not answer the patient: the clock keeps running', async () => {
  const phone = randomUsPhone();
  const conversationId = await billingQuestion(phone);
  const due = await slaDueAt(conversationId);
  const contactId = (await admin.get(`/conversations/${conversationId}`).expect(200)).body.conversation
    .contact.id as string;
  await admin
    .post('/outbound', {
      to: { contactId },
      body: 'Our office is closed on Friday.',
      sensitivity: 'public',
      purpose: 'administrative',
      urgent: true,
    })
    .expect(202);
  expect(await slaDueAt(conversationId)).toEqual(due);
});
