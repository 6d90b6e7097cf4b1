import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
const escalations: { type: string; conversationId: string; queue: string; payload: { urgency: string } }[] =
  [];
beforeAll(async () => {
  t = await startTestHub();
  t.hub.events.on('triage.escalated', (event) => escalations.push(event));
});
afterAll(async () => {
  await t.stop();
});

const auth = async () => ({ Authorization: `Bearer ${await t.staffToken()}` });

type Triaged = {
  id: string;
  conversation_id: string;
  triage: {
    intent: string;
    urgency: string;
    queue: string;
    engine: string;
    confidence: number;
    reasons: string[];
    actions: string[];
  };
};

/** A patient texts in; resolves once triage has decided on the message. */
async function textAndTriage(from: string, body: string): Promise<Triaged> {
  await t.postInboundSms({ From: from, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<Triaged>(
      t.database.url,
      "select id, conversation_id, triage from messages where from_address = $1 and direction = 'inbound' order by created_at desc limit 1",
      [from],
    );
    return row?.triage ? row : null;
  });
}

const conversation = async (id: string) =>
  (
    await queryRows<{ queue: string; urgency: string; priority: number; sla_due_at: Date | null }>(
      t.database.url,
      'select queue, urgency, priority, sla_due_at from conversations where id = $1',
      [id],
    )
  )[0]!;

const automatedTo = (phone: string) =>
  queryRows<{ body: string; automation: string }>(
    t.database.url,
    "select body, automation from messages where direction = 'outbound' and to_address = $1 and automation is not null order by created_at",
    [phone],
  );

describe('emergencies', () => {
  test('chest pain: safety reply sent, top of nurse-triage as an emergency, escalation event stored and emitted', async () => {
    const phone = randomUsPhone();
    const sentBefore = t.twilio.messages.length;
    const message = await textAndTriage(phone, 'crushing chest pain and my left arm is numb');
    expect(message.triage).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
      engine: 'red-flag',
    });
    expect(message.triage.reasons.join(' ')).toMatch(/chest/i);
    expect(message.triage.actions).toContain('sent emergency_safety_reply');

    const conv = await conversation(message.conversation_id);
    expect(conv).toMatchObject({ queue: 'nurse-triage', urgency: 'emergency', priority: 3 });
    expect(new Date(conv.sla_due_at!).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const [reply] = await automatedTo(phone);
    expect(reply).toMatchObject({ automation: 'emergency_safety_reply' });
    expect(reply!.body).toMatch(/911/);
    const sent = await eventually(async () =>
      t.twilio.messages.slice(sentBefore).find((m) => m.params.To === phone),
    );
    expect(sent.params.Body).toMatch(/911/);

    const events = await queryRows<{ type: string; queue: string }>(
      t.database.url,
      "select type, queue from hub_events where message_id = $1 and type = 'triage.escalated'",
      [message.id],
    );
    expect(events).toEqual([{ type: 'triage.escalated', queue: 'nurse-triage' }]);
    expect(
      escalations.some(
        (e) => e.conversationId === message.conversation_id && e.payload.urgency === 'emergency',
      ),
    ).toBe(true);

    const list = await request(t.hub.url)
      .get('/api/v1/conversations')
      .query({ queue: 'nurse-triage', sort: 'priority' })
      .set(await auth())
      .expect(200);
    expect(list.body.conversations[0].id).toBe(message.conversation_id);
  });

  test('a Spanish emergency gets the safety reply in Spanish', async () => {
    const phone = randomUsPhone();
    const message = await textAndTriage(phone, 'mi esposo no puede respirar y tiene los labios morados');
    expect(message.triage.intent).toBe('emergency');
    const [reply] = await automatedTo(phone);
    expect(reply!.body).toMatch(/llame al 911/);
  });

  test('"no chest pain anymore, thanks" is not an emergency and gets no safety reply', async () => {
    const phone = randomUsPhone();
    const message = await textAndTriage(phone, 'no chest pain anymore, thanks');
    expect(message.triage.intent).not.toBe('emergency');
    expect(message.triage.urgency).not.toBe('emergency');
    expect(await automatedTo(phone)).toEqual([]);
    const events = await queryRows(
      t.database.url,
      "select 1 from hub_events where message_id = $1 and type = 'triage.escalated'",
      [message.id],
    );
    expect(events).toEqual([]);
  });

  test('a later "thank you" keeps an emergency conversation with the nurses', async () => {
    const phone = randomUsPhone();
    const first = await textAndTriage(phone, 'I took a whole bottle of my pills on purpose');
    expect(first.triage.intent).toBe('emergency');
    const second = await textAndTriage(phone, 'ok thank you');
    expect(second.conversation_id).toBe(first.conversation_id);
    expect(await conversation(first.conversation_id)).toMatchObject({
      queue: 'nurse-triage',
      urgency: 'emergency',
    });
  });
});

describe('the safety reply goes through the one gate (planOutbound and the policy)', () => {
  test('after a STOP, a safety reply still goes on SMS, with the policy decision stored and audited like a staff reply', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
    const message = await textAndTriage(phone, 'crushing chest pain and my left arm is numb');
    expect(message.triage.actions).toContain('sent emergency_safety_reply');
    const [reply] = await queryRows<{ id: string; channel: string; policy: Record<string, unknown> | null }>(
      t.database.url,
      "select id, channel, policy from messages where conversation_id = $1 and automation = 'emergency_safety_reply'",
      [message.conversation_id],
    );
    expect(reply).toMatchObject({
      channel: 'sms',
      policy: { allowed: true, channel: 'sms', initiator: 'emergency_safety', sensitivity: 'public' },
    });
    expect((reply!.policy!.reasons as string[]).join(' ')).toMatch(
      /despite an opt-out there: an emergency safety reply answers the patient's own message/,
    );
    const audits = await queryRows<{ detail: Record<string, unknown> }>(
      t.database.url,
      "select detail from audit_log where action = 'policy.decision' and detail->>'messageId' = $1",
      [reply!.id],
    );
    expect(audits).toEqual([
      { detail: expect.objectContaining({ allowed: true, initiator: 'emergency_safety', channel: 'sms' }) },
    ]);
  });
});

const consentsOf = (messageId: string) =>
  queryRows<{ status: string; source: string }>(
    t.database.url,
    'select c.status, c.source from consent_ledger c join messages m on m.contact_id = c.contact_id where m.id = $1',
    [messageId],
  );

describe('safety wins over intent (issue 12)', () => {
  test('a plain free-text opt-out is written to the consent ledger', async () => {
    const message = await textAndTriage(randomUsPhone(), 'please stop sending me these text messages');
    expect(message.triage.intent).toBe('opt_out');
    // The ledger is written in the transaction that stores the decision: once triaged, it is final.
    expect(await consentsOf(message.id)).toEqual([{ status: 'opted_out', source: 'triage' }]);
  });

  test('"stop texting me, everyone would be better off without me": an emergency with the crisis line, never an opt-out', async () => {
    const phone = randomUsPhone();
    const sentBefore = t.twilio.messages.length;
    const message = await textAndTriage(phone, 'stop texting me. everyone would be better off without me');
    expect(message.triage).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
    });
    expect(message.triage.reasons.join('\n')).toMatch(/suicidal ideation/);
    expect(await consentsOf(message.id)).toEqual([]);
    const [reply] = await automatedTo(phone);
    expect(reply).toMatchObject({ automation: 'emergency_safety_reply' });
    expect(reply!.body).toMatch(/911/);
    expect(reply!.body).toMatch(/988/);
    const sent = await eventually(async () =>
      t.twilio.messages.slice(sentBefore).find((m) => m.params.To === phone),
    );
    expect(sent.params.Body).toMatch(/988/);
  });

  test('an opt-out that also says something clinical is not written to the ledger; staff are told why', async () => {
    const message = await textAndTriage(
      randomUsPhone(),
      'please stop sending me these text messages, my knee hurts',
    );
    // Safety over the opt-out: a nurse reads it, and the reasons say the opt-out was set aside.
    expect(message.triage).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
    expect(message.triage.reasons.join('\n')).toMatch(/opt-out set aside/);
    expect(await consentsOf(message.id)).toEqual([]);
    expect(message.triage.actions.join('\n')).toMatch(
      /opt-out not recorded: the message has clinical or risk content/,
    );
  });

  test('"no more messages, nothing matters anymore": the ledger is left alone and a nurse reads it within the hour; a carrier STOP still opts out', async () => {
    const phone = randomUsPhone();
    const message = await textAndTriage(phone, 'no more messages, nothing matters anymore');
    // Risk wording that completes no red flag ("nothing matters") is still risk content: no opt-out.
    expect(message.triage).toMatchObject({
      intent: 'clinical_question',
      queue: 'nurse-triage',
      urgency: 'urgent',
    });
    expect(message.triage.reasons.join('\n')).toMatch(/opt-out set aside: clinical content/);
    expect(message.triage.actions.join('\n')).toMatch(
      /opt-out not recorded: the message has clinical or risk content/,
    );
    expect(await consentsOf(message.id)).toEqual([]);
    expect(await conversation(message.conversation_id)).toMatchObject({
      queue: 'nurse-triage',
      urgency: 'urgent',
    });

    // The carrier keyword alone is honoured as carriers require, and the urgent conversation stays open.
    await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
    const stop = await eventually(async () => {
      const rows = await consentsOf(message.id);
      return rows.length > 0 ? rows : null;
    });
    expect(stop).toEqual([{ status: 'opted_out', source: 'carrier_keyword' }]);
    const [open] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from conversations where id = $1',
      [message.conversation_id],
    );
    expect(open!.status).not.toBe('resolved');
  });

  test('an opt-out only the classifier saw (no opt-out phrase) is not written; staff are told why', async () => {
    // Quiet hours, not silence: the classifier alone calls it opt_out with high confidence.
    const message = await textAndTriage(randomUsPhone(), 'stop texting me so early');
    expect(message.triage).toMatchObject({ intent: 'opt_out', engine: 'local' });
    expect(message.triage.confidence).toBeGreaterThanOrEqual(0.85);
    expect(await consentsOf(message.id)).toEqual([]);
    expect(message.triage.actions.join('\n')).toMatch(/opt-out not recorded: no opt-out phrase/);
  });

  test('the crisis line is a clinic setting: PATCH /api/v1/settings changes the next safety reply', async () => {
    const api = await t.api();
    expect((await api.get('/settings').expect(200)).body.settings.crisisLine).toBe('988');
    const bad = await api.patch('/settings', { crisisLine: 'call someone' }).expect(400);
    expect(bad.body.error.code).toBeDefined();
    await api.patch('/settings', { crisisLine: '1-800-555-0199' }).expect(200);
    try {
      const phone = randomUsPhone();
      const message = await textAndTriage(phone, 'i want to kill myself tonight');
      expect(message.triage.intent).toBe('emergency');
      const [reply] = await automatedTo(phone);
      expect(reply!.body).toContain('1-800-555-0199');
    } finally {
      await api.patch('/settings', { crisisLine: '988' }).expect(200);
    }
  });

  // A finality statement with no self-harm word beside an opt-out (issue 12): read as opt_out before,
  // so the consent ledger would have silenced a person at risk.
  test.each([
    'take me off your list. not going to be your patient for much longer, ive decided',
    "stop texting me, I won't be around",
  ])('"%s": an emergency with the crisis line, nothing written to the ledger', async (body) => {
    const phone = randomUsPhone();
    const message = await textAndTriage(phone, body);
    expect(message.triage).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
    });
    expect(message.triage.reasons.join('\n')).toMatch(/opt-out set aside/);
    expect(message.triage.actions).toContain('sent emergency_safety_reply');
    expect(message.triage.actions.join('\n')).not.toMatch(/opted out/);
    expect(await consentsOf(message.id)).toEqual([]);
    const [reply] = await automatedTo(phone);
    expect(reply).toMatchObject({ automation: 'emergency_safety_reply' });
    expect(reply!.body).toMatch(/988/);
    expect(await conversation(message.conversation_id)).toMatchObject({
      queue: 'nurse-triage',
      urgency: 'emergency',
    });
  });

  test('an opt-out that gives its reason ("decided to switch clinics") is still written', async () => {
    const message = await textAndTriage(
      randomUsPhone(),
      'please stop sending me these text messages, I have decided to switch clinics',
    );
    expect(message.triage.intent).toBe('opt_out');
    expect(await consentsOf(message.id)).toEqual([{ status: 'opted_out', source: 'triage' }]);
  });

  test('POST /api/v1/triage/classify: the crisis message is an emergency, and says it is risk content', async () => {
    const res = await request(t.hub.url)
      .post('/api/v1/triage/classify')
      .set(await auth())
      .send({ text: 'please unsubscribe me, i dont want to be here anymore' })
      .expect(200);
    expect(res.body).toMatchObject({ intent: 'emergency', engine: 'red-flag', clinicalContent: true });
  });
});

describe('routing by intent', () => {
  test.each([
    ['can I move my thursday appt to next week', 'reschedule', 'front-desk'],
    ['I need a refill on my lisinopril, almost out', 'refill', 'refills'],
    ['why is my bill $240? I thought insurance covered it', 'billing', 'billing'],
  ])('%p -> %s in %s', async (body, intent, queue) => {
    const message = await textAndTriage(randomUsPhone(), body);
    expect(message.triage).toMatchObject({ intent, queue });
    expect((await conversation(message.conversation_id)).queue).toBe(queue);
  });

  test('bad input classifies without blocking storage: empty, emoji only, HTML, 20,000 characters', async () => {
    for (const body of ['', '🙂🙂🙂', '<script>alert(1)</script>', 'a'.repeat(1600)]) {
      const message = await textAndTriage(randomUsPhone(), body);
      expect(message.triage.queue).toBe('front-desk');
    }
    const res = await request(t.hub.url)
      .post('/api/v1/triage/classify')
      .set(await auth())
      .send({ text: 'lorem ipsum '.repeat(1700) })
      .expect(200);
    expect(res.body).toMatchObject({ intent: 'general', queue: 'front-desk' });
  });
});

describe('appointment reminders and short replies', () => {
  async function appointmentWithReminder(phone: string) {
    const first = await textAndTriage(phone, 'hi this is my new number');
    const [row] = await queryRows<{ contact_id: string }>(
      t.database.url,
      'select contact_id from messages where id = $1',
      [first.id],
    );
    const created = await request(t.hub.url)
      .post('/api/v1/appointments')
      .set(await auth())
      .send({ contactId: row!.contact_id, startsAt: '2026-12-03T15:30:00Z', location: 'Main St clinic' })
      .expect(201);
    const id = created.body.appointment.id as string;
    const reminder = await request(t.hub.url)
      .post(`/api/v1/appointments/${id}/reminders`)
      .set(await auth())
      .expect(202);
    expect(reminder.body.message.templateId).toBe('appointment-reminder');
    await eventually(async () =>
      t.twilio.messages.some(
        (m) => m.params.To === phone && /Reply C to confirm/.test(String(m.params.Body)),
      ),
    );
    return id;
  }

  const appointmentStatus = async (id: string) => {
    const res = await request(t.hub.url)
      .get(`/api/v1/appointments/${id}`)
      .set(await auth())
      .expect(200);
    return res.body.appointment.status as string;
  };

  test('"C" after a reminder confirms the appointment and sends the acknowledgement, untouched by a person', async () => {
    const phone = randomUsPhone();
    const id = await appointmentWithReminder(phone);
    const reply = await textAndTriage(phone, 'C');
    expect(reply.triage).toMatchObject({ intent: 'confirm', engine: 'context' });
    expect(await appointmentStatus(id)).toBe('confirmed');
    const automated = await automatedTo(phone);
    expect(automated.map((m) => m.automation)).toContain('appointment_confirmed');
  });

  test('"2" after a reminder cancels it', async () => {
    const phone = randomUsPhone();
    const id = await appointmentWithReminder(phone);
    const reply = await textAndTriage(phone, '2');
    expect(reply.triage.intent).toBe('cancel');
    expect(await appointmentStatus(id)).toBe('cancelled');
  });

  test('"C" with no reminder in context does not confirm anything', async () => {
    const phone = randomUsPhone();
    const reply = await textAndTriage(phone, 'C');
    expect(reply.triage.intent).not.toBe('confirm');
    expect(await automatedTo(phone)).toEqual([]);
  });
});

describe('the classify API and staff overrides', () => {
  test('POST /api/v1/triage/classify needs a staff token and returns the full result', async () => {
    await request(t.hub.url).post('/api/v1/triage/classify').send({ text: 'hi' }).expect(401);
    const res = await request(t.hub.url)
      .post('/api/v1/triage/classify')
      .set(await auth())
      .send({ text: 'C', context: { lastOutboundTemplate: 'appointment-reminder' } })
      .expect(200);
    expect(res.body).toEqual({
      intent: 'confirm',
      urgency: expect.any(String),
      confidence: expect.any(Number),
      queue: 'front-desk',
      engine: 'context',
      reasons: expect.any(Array),
      findings: ['Confirmed an appointment (replied “c” to the appointment reminder)'],
      version: expect.stringMatching(/^triage-/),
      language: expect.any(String),
      clinicalContent: false,
    });
    await request(t.hub.url)
      .post('/api/v1/triage/classify')
      .set(await auth())
      .send({ text: 42 })
      .expect(400);
  });

  test('an override is stored next to the machine decision, moves the queue and is audited', async () => {
    const message = await textAndTriage(randomUsPhone(), 'question about my statement');
    const res = await request(t.hub.url)
      .post(`/api/v1/messages/${message.id}/triage-override`)
      .set(await auth())
      .send({ intent: 'clinical_question', queue: 'nurse-triage' })
      .expect(200);
    expect(res.body.triage.intent).toBe(message.triage.intent);
    expect(res.body.override).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
    const [row] = await queryRows<{ triage: { intent: string }; triage_override: { intent: string } }>(
      t.database.url,
      'select triage, triage_override from messages where id = $1',
      [message.id],
    );
    expect(row!.triage.intent).toBe(message.triage.intent);
    expect(row!.triage_override.intent).toBe('clinical_question');
    expect((await conversation(message.conversation_id)).queue).toBe('nurse-triage');
    const audits = await queryRows(
      t.database.url,
      "select 1 from audit_log where action = 'triage.override' and subject_id = $1",
      [message.id],
    );
    expect(audits).toHaveLength(1);
    await request(t.hub.url)
      .post(`/api/v1/messages/${message.id}/triage-override`)
      .set(await auth())
      .send({ intent: 'astrology' })
      .expect(422);
  });
});
