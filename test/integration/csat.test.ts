import request from 'supertest';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// CSAT: once the clinic turns it on, resolving a conversation asks the patient "How did we do?" on
// the channel they wrote on, through the policy gate, once; a bare 1-5 reply within the window is
// stored as the rating (no triage, no new conversation) and shows in the supervisor's figures; a
// reply with more than the number is a message like any other.
let t: TestHub;
let admin: StaffApi;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

/** Texts the clinic and waits for triage to decide; the conversation it landed in. */
async function texts(phone: string, body: string): Promise<string> {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1 and body = $2 and triage is not null',
      [phone, body],
    );
    return row?.conversation_id;
  });
}

const questionsTo = (phone: string) =>
  queryRows<{ body: string; channel: string; conversation_id: string }>(
    t.database.url,
    "select body, channel, conversation_id from messages where to_address = $1 and automation = 'csat'",
    [phone],
  );

const conversationsOf = (phone: string) =>
  queryRows<{ id: string; status: string }>(
    t.database.url,
    `select distinct c.id, c.status from conversations c join messages m on m.conversation_id = c.id
      where m.from_address = $1`,
    [phone],
  );

test('off by default: resolving asks nothing', async () => {
  const settings = await admin.get('/settings').expect(200);
  expect(settings.body.settings.csat).toEqual({ enabled: false, windowHours: 24 });
  const phone = randomUsPhone();
  const conversationId = await texts(phone, 'Do you have parking at the clinic?');
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  // The question is planned in the resolving transaction: had it been asked, it would be there now.
  expect(await questionsTo(phone)).toEqual([]);
  const stats = await admin.get('/stats/csat').expect(200);
  expect(stats.body).toMatchObject({ enabled: false, asked: 0, rated: 0, average: null });
});

test('on: resolve asks once by SMS; the patient’s "4" is the rating, stored and shown, nothing reopened', async () => {
  await admin.patch('/settings', { csat: { enabled: true } }).expect(200);
  const phone = randomUsPhone();
  const conversationId = await texts(phone, 'Can I get a copy of my vaccination record?');
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);

  const [question] = await questionsTo(phone);
  expect(question).toMatchObject({ channel: 'sms', conversation_id: conversationId });
  expect(question!.body).toMatch(/How did we do\? Reply with a number from 1 \(poor\) to 5 \(great\)/);
  await eventually(async () =>
    t.twilio.messages.find((m) => m.params.To === phone && /How did we do/.test(String(m.params.Body))),
  );
  // Resolved again after a reopen: still asked once.
  await admin.post(`/conversations/${conversationId}/reopen`, {}).expect(200);
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  expect(await questionsTo(phone)).toHaveLength(1);

  await t.postInboundSms({ From: phone, Body: '4' }).expect(200);
  // Stored by the webhook like every reply, and recognised as the rating by the triage job.
  const answer = await eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; triage: { findings: string[] } }>(
      t.database.url,
      "select conversation_id, triage from messages where from_address = $1 and body = '4'",
      [phone],
    );
    return row?.triage ? row : undefined;
  });
  // In the conversation it rates, decided as a rating (triage never reads it), which stays resolved.
  expect(answer!.conversation_id).toBe(conversationId);
  expect(answer!.triage.findings).toEqual(['Rated the clinic 4 of 5']);
  expect(await conversationsOf(phone)).toEqual([{ id: conversationId, status: 'resolved' }]);

  const stats = await admin.get('/stats/csat').expect(200);
  expect(stats.body).toMatchObject({
    enabled: true,
    asked: 1,
    rated: 1,
    average: 4,
    counts: [0, 0, 0, 1, 0],
  });
  expect(stats.body.recent).toEqual([
    expect.objectContaining({ conversationId, rating: 4, channel: 'sms', queue: expect.any(String) }),
  ]);

  // The provider retries the webhook: nothing new. A second number is a message like any other.
  await t
    .postInboundSms({
      From: phone,
      Body: '4',
      MessageSid: (
        await queryRows<{ provider_message_id: string }>(
          t.database.url,
          "select provider_message_id from messages where from_address = $1 and body = '4'",
          [phone],
        )
      )[0]!.provider_message_id,
    })
    .expect(200);
  expect((await admin.get('/stats/csat').expect(200)).body.rated).toBe(1);
  // By then the question had been sent exactly once.
  expect(
    t.twilio.messages.filter((m) => m.params.To === phone && /How did we do/.test(String(m.params.Body))),
  ).toHaveLength(1);
});

test('the webhook stores a rating like any reply; the triage job records it, and it adds nothing to the queue', async () => {
  await admin.patch('/settings', { csat: { enabled: true } }).expect(200);
  const phone = randomUsPhone();
  const conversationId = await texts(phone, 'Do I need to fast before my blood test?');
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  expect(await questionsTo(phone)).toHaveLength(1);
  const [{ queue }] = (await queryRows<{ queue: string }>(
    t.database.url,
    'select queue from conversations where id = $1',
    [conversationId],
  )) as [{ queue: string }];
  const volume = async () =>
    (await admin.get('/stats/queues').expect(200)).body.queues.find(
      (q: { queue: string }) => q.queue === queue,
    )?.volumeToday;
  const before = await volume();
  const survey = () =>
    queryRows<{ rating: number | null; answer_message_id: string | null }>(
      t.database.url,
      'select rating, answer_message_id from csat_surveys where conversation_id = $1',
      [conversationId],
    );

  // Triage held back: what the webhook alone wrote (it answers after the commit). Before, the
  // webhook wrote the rating itself, a second writer of inbound messages.
  await t.hub.triageQueue.queue.pause();
  try {
    await t.postInboundSms({ From: phone, Body: '5' }).expect(200);
    expect(await survey()).toEqual([{ rating: null, answer_message_id: null }]);
    const [stored] = await queryRows<{ triage: unknown }>(
      t.database.url,
      "select triage from messages where from_address = $1 and body = '5'",
      [phone],
    );
    expect(stored).toEqual({ triage: null });
  } finally {
    await t.hub.triageQueue.queue.resume();
  }
  const [rated] = await eventually(async () => {
    const rows = await survey();
    return rows[0]?.rating !== null ? rows : undefined;
  });
  const [answer] = await queryRows<{ id: string; conversation_id: string }>(
    t.database.url,
    "select id, conversation_id from messages where from_address = $1 and body = '5'",
    [phone],
  );
  expect(rated).toEqual({ rating: 5, answer_message_id: answer!.id });
  // In the rated conversation, which stays resolved; the one the store opened for it is gone.
  expect(answer!.conversation_id).toBe(conversationId);
  expect(await conversationsOf(phone)).toEqual([{ id: conversationId, status: 'resolved' }]);
  const open = await queryRows<{ id: string }>(
    t.database.url,
    `select c.id from conversations c join contact_identities i on i.contact_id = c.contact_id
      where i.address = $1 and c.status <> 'resolved'`,
    [phone],
  );
  expect(open).toEqual([]);
  expect(await volume()).toBe(before);
});

test('a reply with more than the number is a new message for the clinic, triaged as usual', async () => {
  const phone = randomUsPhone();
  const conversationId = await texts(phone, 'Is the clinic open on Saturday?');
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  expect(await questionsTo(phone)).toHaveLength(1);

  const newConversation = await texts(phone, '4, but the rash on my arm is back and spreading');
  expect(newConversation).not.toBe(conversationId);
  const [survey] = await queryRows<{ rating: number | null }>(
    t.database.url,
    'select rating from csat_surveys where conversation_id = $1',
    [conversationId],
  );
  expect(survey!.rating).toBeNull();
});

test('a number after another message to the patient answers that message, not the rating question', async () => {
  const phone = randomUsPhone();
  const conversationId = await texts(phone, 'Is my refill ready to pick up?');
  await admin.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  const [question] = await questionsTo(phone);
  expect(question).toBeDefined();
  const [contact] = await queryRows<{ contact_id: string }>(
    t.database.url,
    'select contact_id from messages where from_address = $1 limit 1',
    [phone],
  );
  await admin
    .post('/outbound', {
      to: { contactId: contact!.contact_id },
      template: 'refill-ready',
      variables: { clinicName: 'Riverside Clinic', pickupLocation: 'the front desk' },
    })
    .expect(202);
  const answered = await texts(phone, '3');
  expect(answered).not.toBe(conversationId);
  const [survey] = await queryRows<{ rating: number | null }>(
    t.database.url,
    'select rating from csat_surveys where conversation_id = $1',
    [conversationId],
  );
  expect(survey!.rating).toBeNull();
});

test('the figures are for supervisors and admins; an agent and an anonymous caller are refused', async () => {
  const { api: agent } = await signedInStaff(t, {
    email: 'csat.agent@clinic.test',
    name: 'Front Desk Agent',
    role: 'agent',
    password: 'front-desk-agent-password',
    queues: ['front-desk'],
  });
  expect((await agent.get('/stats/csat').expect(403)).body.error.code).toBe('forbidden_role');
  await request(t.hub.url).get('/api/v1/stats/csat').expect(401);
});
