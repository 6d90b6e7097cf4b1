import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// Who is this: staff edit the patient's name, language, time zone, channel preferences and custom
// attributes from the patient panel, and the tags campaign audiences select on (issue 16); the date
// of birth (it opens secure links) only supervisors and admins; the panel lists the patient's past
// conversations, in the queues the reader works.
let t: TestHub;
let admin: StaffApi;
let deskAgent: StaffApi;
let billingAgent: StaffApi;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  ({ api: deskAgent } = await signedInStaff(t, {
    email: 'panel.agent@clinic.test',
    name: 'Panel Agent',
    role: 'agent',
    password: 'panel-agent-password',
    queues: ['front-desk'],
  }));
  ({ api: billingAgent } = await signedInStaff(t, {
    email: 'panel.billing@clinic.test',
    name: 'Billing Agent',
    role: 'agent',
    password: 'panel-billing-password',
    queues: ['billing'],
  }));
});
afterAll(async () => {
  await t.stop();
});

async function conversationFor(phone: string, body: string) {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string; contact_id: string; queue: string }>(
      t.database.url,
      `select m.conversation_id, m.contact_id, c.queue from messages m join conversations c on c.id = m.conversation_id
        where m.from_address = $1 and m.body = $2 and m.triage is not null`,
      [phone, body],
    );
    return row;
  });
}

test('an agent edits name, language, time zone, channel preferences and attributes; not the date of birth', async () => {
  const phone = randomUsPhone();
  const { contact_id: contactId, queue } = await conversationFor(phone, 'hi, a question about parking');
  expect(queue).toBe('front-desk');

  const edit = {
    name: 'Rosa Alvarez',
    language: 'es',
    timeZone: 'America/Chicago',
    channelPreferences: ['email', 'sms'],
    attributes: { MRN: 'A-10442', 'Preferred pharmacy': 'Main St Pharmacy' },
  };
  const saved = await deskAgent.patch(`/contacts/${contactId}`, edit).expect(200);
  expect(saved.body.contact).toMatchObject(edit);

  const read = await deskAgent.get(`/contacts/${contactId}`).expect(200);
  expect(read.body.contact.attributes).toEqual(edit.attributes);
  // The thread shows the new name instead of the number.
  const detail = await deskAgent.get(
    `/conversations/${(await conversationFor(phone, 'hi, a question about parking')).conversation_id}`,
  );
  expect(detail.body.conversation.displayName).toBe('Rosa Alvarez');

  // Attributes are replaced as a set: a label left out is removed.
  await deskAgent.patch(`/contacts/${contactId}`, { attributes: { MRN: 'A-10442' } }).expect(200);
  expect((await deskAgent.get(`/contacts/${contactId}`)).body.contact.attributes).toEqual({ MRN: 'A-10442' });

  const tooMany = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`label ${i}`, 'x']));
  const refused = await deskAgent.patch(`/contacts/${contactId}`, { attributes: tooMany }).expect(400);
  expect(refused.body.error.code).toBe('validation_failed');

  const dob = await deskAgent.patch(`/contacts/${contactId}`, { dateOfBirth: '1961-07-30' }).expect(403);
  expect(dob.body.error.code).toBe('identity_change_forbidden');
  await admin.patch(`/contacts/${contactId}`, { dateOfBirth: '1961-07-30' }).expect(200);
  expect((await deskAgent.get(`/contacts/${contactId}`)).body.contact.dateOfBirth).toBe('1961-07-30');

  // What changed is audited by field name, never by value.
  const audits = await queryRows<{ detail: unknown }>(
    t.database.url,
    "select detail from audit_log where action = 'contact.update' and subject_id = $1",
    [contactId],
  );
  expect(JSON.stringify(audits)).toContain('attributes');
  expect(JSON.stringify(audits)).not.toMatch(/A-10442|Rosa|1961/);
});

test('past conversations: newest first with the patient’s last words; an agent sees those in her queues only', async () => {
  const phone = randomUsPhone();
  const first = await conversationFor(phone, 'question about my bill from march');
  expect(first.queue).toBe('billing');
  await admin.post(`/conversations/${first.conversation_id}/resolve`, {}).expect(200);
  const second = await conversationFor(phone, 'hello again, where do I park?');
  expect(second.conversation_id).not.toBe(first.conversation_id);
  expect(second.queue).toBe('front-desk');

  const all = await admin.get(`/contacts/${first.contact_id}/conversations`).expect(200);
  expect(all.body.conversations.map((c: { id: string }) => c.id)).toEqual([
    second.conversation_id,
    first.conversation_id,
  ]);
  expect(all.body.conversations[1]).toMatchObject({
    status: 'resolved',
    queue: 'billing',
    lastPatientMessage: 'question about my bill from march',
  });

  const mine = await deskAgent.get(`/contacts/${first.contact_id}/conversations`).expect(200);
  expect(mine.body.conversations.map((c: { id: string }) => c.id)).toEqual([second.conversation_id]);
  expect(JSON.stringify(mine.body)).not.toContain('bill from march');
});

test('tags: set with attributes in one PATCH, normalized as an import does, audited, counted by an audience', async () => {
  const { contact_id: contactId } = await conversationFor(randomUsPhone(), 'hi, a question about parking');
  const tag = `recall-${randomUUID().slice(0, 8)}`;
  const count = async () =>
    (await admin.post('/audiences/count', { filter: { tags: [tag] } }).expect(200)).body.count;
  expect(await count()).toBe(0);

  // Trimmed and each once, as a CSV import stores them.
  const saved = await deskAgent
    .patch(`/contacts/${contactId}`, { attributes: { MRN: 'T-1' }, tags: [` ${tag} `, 'senior', tag] })
    .expect(200);
  expect(saved.body.contact).toMatchObject({ attributes: { MRN: 'T-1' }, tags: [tag, 'senior'] });
  expect((await deskAgent.get(`/contacts/${contactId}`).expect(200)).body.contact.tags).toEqual([
    tag,
    'senior',
  ]);
  expect(await count()).toBe(1);

  // An agent of another queue gets the answer she gets for attributes; anonymous, 401. Nothing changes.
  for (const body of [{ attributes: { MRN: 'X' } }, { tags: [] }]) {
    const denied = await billingAgent.patch(`/contacts/${contactId}`, body).expect(403);
    expect(denied.body.error.code).toBe('forbidden_contact');
  }
  await request(t.hub.url).patch(`/api/v1/contacts/${contactId}`).send({ tags: [] }).expect(401);

  const bad: [unknown, string][] = [
    ['senior', 'invalid_tags'],
    [null, 'invalid_tags'],
    [['senior', 7], 'invalid_tags'],
    [['senior', '  '], 'empty_tag'],
    [['x'.repeat(101)], 'tag_too_long'],
    [Array.from({ length: 51 }, (_, i) => `tag-${i}`), 'too_many_tags'],
  ];
  for (const [tags, code] of bad) {
    const refused = await deskAgent.patch(`/contacts/${contactId}`, { tags }).expect(400);
    expect(refused.body.error).toMatchObject({ code, details: { fields: ['tags'] } });
  }
  // A misspelt field is refused rather than dropped with a 200.
  const unknown = await deskAgent.patch(`/contacts/${contactId}`, { tag: [], name: 'Kept Out' }).expect(400);
  expect(unknown.body.error.code).toBe('validation_failed');
  const after = (await deskAgent.get(`/contacts/${contactId}`)).body.contact;
  expect(after).toMatchObject({ name: null, attributes: { MRN: 'T-1' }, tags: [tag, 'senior'] });

  // The whole set is replaced: a tag left out is removed, and the audience no longer counts her.
  await deskAgent.patch(`/contacts/${contactId}`, { tags: ['senior'] }).expect(200);
  expect(await count()).toBe(0);

  const audits = await queryRows<{ detail: { fields: string[] } }>(
    t.database.url,
    "select detail from audit_log where action = 'contact.update' and subject_id = $1",
    [contactId],
  );
  expect(audits.map((a) => a.detail.fields)).toEqual([['attributes', 'tags'], ['tags']]);
  expect(JSON.stringify(audits)).not.toMatch(/recall-|senior/);
});
