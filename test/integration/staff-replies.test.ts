import request from 'supertest';
import { createStaffUser } from '../../src/staff/staff-directory';
import { queryRows } from '../support/test-database';
import {
  eventually,
  randomUsPhone,
  type StaffApi,
  staffApiAs,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Replies that just work: the composer's preview and the send say in plain words what happens and
// offer the ways out; a reply makes its sender the holder; a STOP closes the conversation by itself.
let t: TestHub;
let frontDeskAgent: StaffApi;
let billingAgent: StaffApi;
let frontDeskAgentId: string;

async function login(email: string, password: string): Promise<string> {
  const res = await request(t.hub.url).post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body.token;
}

beforeAll(async () => {
  t = await startTestHub();
  const db = t.hub.database.db;
  const agent = await createStaffUser(db, {
    orgId: t.hub.org.id,
    email: 'desk.agent@clinic.test',
    name: 'Desk Agent',
    role: 'agent',
    password: 'desk-agent-password',
    queues: ['front-desk'],
  });
  frontDeskAgentId = agent.id;
  await createStaffUser(db, {
    orgId: t.hub.org.id,
    email: 'billing.only@clinic.test',
    name: 'Billing Only',
    role: 'agent',
    password: 'billing-only-password',
    queues: ['billing'],
  });
  frontDeskAgent = staffApiAs(t.hub.url, await login('desk.agent@clinic.test', 'desk-agent-password'));
  billingAgent = staffApiAs(t.hub.url, await login('billing.only@clinic.test', 'billing-only-password'));
});
afterAll(async () => {
  await t.stop();
});

/** A new patient texts the clinic: no name, no date of birth. The conversation, once triaged. */
async function newPatientWrites(body = 'hello, question about my visit') {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const row = await eventually(async () => {
    const [found] = await queryRows<{ conversation_id: string; contact_id: string; queue: string }>(
      t.database.url,
      `select m.conversation_id, m.contact_id, c.queue from messages m join conversations c on c.id = m.conversation_id
        where m.from_address = $1 and m.triage is not null`,
      [phone],
    );
    return found;
  });
  return { phone, conversationId: row.conversation_id, contactId: row.contact_id, queue: row.queue };
}

const phiReply = { body: 'Your test results are back and look normal.' };

describe('the first reply to a new patient', () => {
  test('an agent is told in plain words why it cannot go yet and offered marking it not sensitive; a supervisor is offered adding the date of birth', async () => {
    const patient = await newPatientWrites();
    expect(patient.queue).toBe('front-desk');
    const check = { conversationId: patient.conversationId, ...phiReply };

    const asAgent = await frontDeskAgent.post('/policy/check', check).expect(200);
    expect(asAgent.body.decision).toMatchObject({ allowed: false, code: 'no_channel_allowed' });
    expect(asAgent.body.guidance.summary).toMatch(/no date of birth on file/);
    expect(asAgent.body.guidance.summary).toMatch(/A supervisor can add it/);
    expect(asAgent.body.guidance.remedies).toEqual(['mark_not_sensitive']);

    const admin = await t.api();
    const asAdmin = await admin.post('/policy/check', check).expect(200);
    expect(asAdmin.body.guidance.remedies).toEqual(['add_date_of_birth', 'mark_not_sensitive']);
    expect(asAdmin.body.guidance.summary).toMatch(/Add it to send this as a secure link/);

    // The send refuses with the same sentence, and its details carry the ways out.
    const refused = await frontDeskAgent
      .post(`/conversations/${patient.conversationId}/messages`, phiReply)
      .expect(422);
    expect(refused.body.error.code).toBe('no_channel_allowed');
    expect(refused.body.error.message).toBe(asAgent.body.guidance.summary);
    expect(refused.body.error.details.guidance).toEqual(asAgent.body.guidance);
    expect(refused.body.error.message).not.toMatch(/PHI|no_channel_allowed/);

    // An agent may not add the date of birth herself: the server says so, whatever the page shows.
    const forbidden = await frontDeskAgent
      .patch(`/contacts/${patient.contactId}`, { dateOfBirth: '1950-02-03' })
      .expect(403);
    expect(forbidden.body.error.code).toBe('identity_change_forbidden');

    // Way out 1: marked not sensitive, it goes as written.
    const limited = { ...phiReply, sensitivity: 'limited' };
    const plainCheck = await frontDeskAgent.post('/policy/check', { ...check, ...limited }).expect(200);
    expect(plainCheck.body.guidance).toEqual({ summary: 'Will go by SMS as written.', remedies: [] });

    // Way out 2: a supervisor adds the date of birth; the same PHI reply now goes as a secure link.
    await admin.patch(`/contacts/${patient.contactId}`, { dateOfBirth: '1950-02-03' }).expect(200);
    const secured = await frontDeskAgent.post('/policy/check', check).expect(200);
    expect(secured.body.decision).toMatchObject({ allowed: true, channel: 'sms', securedVia: 'securelink' });
    expect(secured.body.guidance.summary).toMatch(/^Will go as a secure link: the patient gets an SMS/);
    expect(secured.body.guidance.remedies).toEqual(['mark_not_sensitive']);
    // Marked not sensitive now, the way back to the link is offered.
    const back = await frontDeskAgent.post('/policy/check', { ...check, ...limited }).expect(200);
    expect(back.body.guidance.remedies).toEqual(['send_as_secure_link']);

    const sent = await frontDeskAgent
      .post(`/conversations/${patient.conversationId}/messages`, phiReply)
      .expect(202);
    expect(sent.body.message.securedVia).toBe('securelink');
  });

  test('an agent of another queue and an anonymous caller get no preview of the reply', async () => {
    const patient = await newPatientWrites();
    const check = { conversationId: patient.conversationId, ...phiReply };
    const other = await billingAgent.post('/policy/check', check).expect(403);
    expect(other.body.guidance).toBeUndefined();
    expect(JSON.stringify(other.body)).not.toMatch(/date of birth/);
    await request(t.hub.url).post('/api/v1/policy/check').send(check).expect(401);
  });
});

describe('a reply makes its sender the holder', () => {
  test('an unheld conversation is assigned to whoever replied; a held one keeps its holder', async () => {
    const reply = { body: 'Please call us back.', sensitivity: 'limited' };
    const unheld = await newPatientWrites();
    await frontDeskAgent.post(`/conversations/${unheld.conversationId}/messages`, reply).expect(202);
    const taken = await frontDeskAgent.get(`/conversations/${unheld.conversationId}`).expect(200);
    expect(taken.body.conversation.assignee).toMatchObject({ id: frontDeskAgentId, name: 'Desk Agent' });
    const [event] = await queryRows<{ payload: { change: string; via: string; assigneeId: string } }>(
      t.database.url,
      "select payload from hub_events where conversation_id = $1 and type = 'conversation.updated' order by id desc limit 1",
      [unheld.conversationId],
    );
    expect(event!.payload).toMatchObject({ change: 'claimed', via: 'reply', assigneeId: frontDeskAgentId });

    const held = await newPatientWrites();
    const admin = await t.api();
    const claimed = await admin.post(`/conversations/${held.conversationId}/claim`, {}).expect(200);
    const holder = claimed.body.conversation.assignee.id;
    expect(holder).toBeDefined();
    await frontDeskAgent.post(`/conversations/${held.conversationId}/messages`, reply).expect(202);
    const still = await frontDeskAgent.get(`/conversations/${held.conversationId}`).expect(200);
    expect(still.body.conversation.assignee.id).toBe(holder);
    expect(still.body.conversation.assignee.id).not.toBe(frontDeskAgentId);
  });
});

describe('STOP closes the conversation by itself', () => {
  test('a routine conversation is resolved, with a note on the STOP message saying why', async () => {
    const patient = await newPatientWrites();
    await t.postInboundSms({ From: patient.phone, Body: 'STOP' }).expect(200);
    const admin = await t.api();
    const detail = await admin.get(`/conversations/${patient.conversationId}`).expect(200);
    expect(detail.body.conversation.status).toBe('resolved');
    expect(detail.body.conversation.slaDueAt).toBeNull();
    const stop = detail.body.conversation.messages.find(
      (m: { direction: string; body: string }) => m.direction === 'inbound' && m.body === 'STOP',
    );
    expect(stop.triage.reasons.join(' ')).toMatch(/resolved by itself: the patient opted out of SMS/);
    const [event] = await queryRows<{ payload: { change: string; reason: string } }>(
      t.database.url,
      "select payload from hub_events where conversation_id = $1 and type = 'conversation.updated' order by id desc limit 1",
      [patient.conversationId],
    );
    expect(event!.payload).toMatchObject({ change: 'resolved', reason: 'patient_opted_out' });
    // The opt-out confirmation still went: the last message the patient is owed.
    await eventually(async () =>
      t.twilio.messages.find(
        (m) => m.params.To === patient.phone && /unsubscribed/.test(String(m.params.Body)),
      ),
    );
  });

  test('an emergency stays open after STOP, and the note says why', async () => {
    const patient = await newPatientWrites('crushing chest pain and my left arm is numb');
    await t.postInboundSms({ From: patient.phone, Body: 'STOP' }).expect(200);
    const admin = await t.api();
    const detail = await admin.get(`/conversations/${patient.conversationId}`).expect(200);
    expect(detail.body.conversation.status).not.toBe('resolved');
    const stop = detail.body.conversation.messages.find(
      (m: { direction: string; body: string }) => m.direction === 'inbound' && m.body === 'STOP',
    );
    expect(stop.triage.reasons.join(' ')).toMatch(/left open although the patient opted out of SMS/);
  });
});

describe('the template picker', () => {
  test('hides the hub’s own templates, names variables in words and fills the clinic’s values', async () => {
    const res = await frontDeskAgent.get('/templates').expect(200);
    const byId = new Map(res.body.templates.map((x: { id: string }) => [x.id, x]));
    expect(byId.get('emergency-safety-reply')).toMatchObject({ system: true });
    expect(byId.get('secure-message-notice')).toMatchObject({ system: true });
    expect(byId.get('message-acknowledgement')).toMatchObject({ system: true });
    const reminder = byId.get('appointment-reminder') as {
      system: boolean;
      variables: { name: string; label: string; value: string | null }[];
    };
    expect(reminder.system).toBe(false);
    expect(reminder.variables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'clinicName', label: 'Clinic name', value: t.hub.org.name }),
        expect.objectContaining({ name: 'appointmentTime', label: 'Appointment time', value: null }),
      ]),
    );
  });

  test('the preview shows the text the patient will read: by SMS, or behind the secure link', async () => {
    const patient = await newPatientWrites();
    const reminder = {
      conversationId: patient.conversationId,
      template: 'appointment-reminder',
      variables: {
        clinicName: t.hub.org.name,
        appointmentTime: '2031-05-06T09:30:00Z',
        location: 'Main Street site',
      },
    };
    const plain = await frontDeskAgent.post('/policy/check', reminder).expect(200);
    expect(plain.body.rendered.channel).toBe('sms');
    expect(plain.body.rendered.text).toContain('Main Street site');
    const sent = await frontDeskAgent
      .post(`/conversations/${patient.conversationId}/messages`, {
        template: reminder.template,
        variables: reminder.variables,
      })
      .expect(202);
    expect(sent.body.message.body).toBe(plain.body.rendered.text);

    await (await t.api()).patch(`/contacts/${patient.contactId}`, { dateOfBirth: '1950-02-03' }).expect(200);
    const lab = await frontDeskAgent
      .post('/policy/check', {
        conversationId: patient.conversationId,
        template: 'lab-results-available',
        variables: {
          clinicName: 'Riverside Clinic',
          testName: 'Lipid panel',
          resultSummary: 'LDL 190 mg/dL',
        },
      })
      .expect(200);
    expect(lab.body.decision.securedVia).toBe('securelink');
    expect(lab.body.rendered.channel).toBe('securelink');
    expect(lab.body.rendered.text).toContain('LDL 190 mg/dL');
  });
});
