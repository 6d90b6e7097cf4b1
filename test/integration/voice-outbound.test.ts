import { randomBytes } from 'node:crypto';
import { planOutbound } from '../../src/outbound/outbound-service';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  middayTimeZone,
  PUBLIC_URL,
  randomUsPhone,
  startTestHub,
  type TestHub,
} from '../support/test-hub';
import { findAll, findOne, readTwiml, verbs } from './voice-twiml-reader';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const VOICE = '/webhooks/twilio/voice';

async function contactWithAppointment(options: { language?: string } = {}) {
  const phone = randomUsPhone();
  const api = await t.api();
  const contact = await api.post('/contacts', { phone, timeZone: middayTimeZone(), ...options }).expect(201);
  const contactId = contact.body.contact.id as string;
  const appointment = await api
    .post('/appointments', { contactId, startsAt: '2026-12-03T15:30:00Z', location: 'Main St clinic' })
    .expect(201);
  return { phone, contactId, appointmentId: appointment.body.appointment.id as string };
}

/** A reminder call through the normal pipeline (policy, template, outbox, BullMQ, Calls API). */
async function remindByCall(contactId: string, appointmentId: string) {
  const { outcome } = await planOutbound(
    t.hub.outbound,
    {
      orgId: t.hub.org.id,
      contactId,
      initiator: 'automated',
      requestedChannel: 'voice',
      content: {
        template: 'appointment-reminder',
        variables: {
          clinicName: t.hub.org.name,
          appointmentTime: '2026-12-03T15:30:00Z',
          location: 'Main St clinic',
        },
      },
      appointmentId,
      requestId: `test-${randomBytes(4).toString('hex')}`,
    },
    { dryRun: false },
  );
  const messageId = outcome!.message.id;
  const call = await eventually(async () =>
    t.twilio.calls.find((c) => String(c.params.Url).includes(`message=${messageId}`)),
  );
  return { messageId, call };
}

/** What Twilio sends with each request of a call it placed for us. */
const placedCall = (callSid: string, to: string) => ({
  CallSid: callSid,
  From: CLINIC_NUMBER,
  To: to,
  Direction: 'outbound-api',
  CallStatus: 'in-progress',
});

const appointmentStatus = async (id: string) =>
  (
    await queryRows<{ status: string }>(t.database.url, 'select status from appointments where id = $1', [id])
  )[0]!.status;

const voiceAnswerFrom = (phone: string) =>
  eventually(async () => {
    const [row] = await queryRows<{
      id: string;
      body: string;
      appointment_id: string | null;
      channel_meta: Record<string, unknown>;
      triage: { intent: string; engine: string; queue: string; actions: string[] } | null;
    }>(
      t.database.url,
      "select id, body, appointment_id, channel_meta, triage from messages where from_address = $1 and channel = 'voice' and direction = 'inbound'",
      [phone],
    );
    return row?.triage ? row : null;
  });

const path = (url: string) => url.slice(PUBLIC_URL.length);

describe('reminder calls', () => {
  test('the reminder places one call through the Calls API, whose TwiML reads the voice script and offers 1/2/3', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    expect(call.params).toMatchObject({
      To: phone,
      From: CLINIC_NUMBER,
      Url: `${PUBLIC_URL}${VOICE}/outbound?message=${messageId}&attempt=1`,
      Method: 'POST',
      StatusCallback: `${PUBLIC_URL}${VOICE}/status`,
    });
    expect(call.params.Body).toBeUndefined();
    const [stored] = await eventually(async () => {
      const rows = await queryRows<{ provider_message_id: string | null; status: string }>(
        t.database.url,
        'select provider_message_id, status from messages where id = $1',
        [messageId],
      );
      return rows[0]?.provider_message_id ? rows : null;
    });
    expect(stored).toEqual({ provider_message_id: call.sid, status: 'queued' });

    const doc = readTwiml(
      (await t.postVoice(path(String(call.params.Url)), placedCall(call.sid, phone)).expect(200)).text,
    );
    expect(verbs(doc)).toEqual(['Gather', 'Redirect']);
    const gather = findOne(doc, 'Gather');
    expect(gather.attributes).toMatchObject({
      numDigits: '1',
      action: `${PUBLIC_URL}${VOICE}/answer?message=${messageId}&lang=en`,
    });
    const [script, options] = findAll(gather, 'Say');
    expect(script!.text).toMatch(/reminder of your appointment on .* at Main St clinic/);
    expect(options!.text).toBe(
      'To confirm this appointment, press 1. To cancel it, press 2. To talk to our staff, press 3.',
    );
    expect(findOne(doc, 'Redirect').text).toBe(
      `${PUBLIC_URL}${VOICE}/outbound?message=${messageId}&attempt=2`,
    );

    // Twilio's status callbacks move the reminder along: answered, then completed.
    for (const CallStatus of ['ringing', 'in-progress', 'completed']) {
      await t.postVoice(`${VOICE}/status`, { ...placedCall(call.sid, phone), CallStatus }).expect(200);
    }
    const [after] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [messageId],
    );
    expect(after!.status).toBe('delivered');
  });

  test('POST /appointments/:id/reminders {channel: "voice"} places the call; without a channel it texts', async () => {
    const { phone, appointmentId } = await contactWithAppointment();
    const api = await t.api();
    const res = await api.post(`/appointments/${appointmentId}/reminders`, { channel: 'voice' }).expect(202);
    expect(res.body.decision).toMatchObject({ allowed: true, channel: 'voice' });
    expect(res.body.message).toMatchObject({ channel: 'voice', templateId: 'appointment-reminder' });
    const messageId = res.body.message.id as string;
    const call = await eventually(async () =>
      t.twilio.calls.find((c) => String(c.params.Url).includes(`message=${messageId}`)),
    );
    expect(call.params).toMatchObject({ To: phone, From: CLINIC_NUMBER });
    expect(t.twilio.messages.some((m) => m.params.To === phone)).toBe(false);

    const sms = await api.post(`/appointments/${appointmentId}/reminders`, {}).expect(202);
    expect(sms.body.message.channel).toBe('sms');
    await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
    expect(t.twilio.calls.filter((c) => c.params.To === phone)).toHaveLength(1);
    await api.post(`/appointments/${appointmentId}/reminders`, { channel: 'fax' }).expect(400);
  });

  test('pressing 1 confirms the appointment, like the text reply "1", and the acknowledgement goes by SMS', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    const answer = readTwiml(
      (
        await t
          .postVoice(`${VOICE}/answer?message=${messageId}&lang=en`, {
            ...placedCall(call.sid, phone),
            Digits: '1',
          })
          .expect(200)
      ).text,
    );
    expect(verbs(answer)).toEqual(['Say', 'Hangup']);
    expect(findOne(answer, 'Say').text).toMatch(/confirmation/);

    const message = await voiceAnswerFrom(phone);
    expect(message).toMatchObject({ body: '1', appointment_id: appointmentId });
    expect(message.channel_meta).toMatchObject({ inReplyTo: messageId, answer: 'confirm', digits: '1' });
    expect(message.triage).toMatchObject({ intent: 'confirm', engine: 'context' });
    expect(message.triage!.actions).toEqual(
      expect.arrayContaining(['appointment confirmed', 'sent appointment_confirmed']),
    );
    expect(await appointmentStatus(appointmentId)).toBe('confirmed');
    const ack = await eventually(async () =>
      t.twilio.messages.find((m) => m.params.To === phone && /is confirmed/.test(String(m.params.Body))),
    );
    expect(String(ack.params.Body)).toMatch(/Main St clinic/);
    // One call only: the acknowledgement did not place a second one.
    expect(t.twilio.calls.filter((c) => c.params.To === phone)).toHaveLength(1);

    // A replayed answer callback stores nothing new.
    await t
      .postVoice(`${VOICE}/answer?message=${messageId}&lang=en`, {
        ...placedCall(call.sid, phone),
        Digits: '1',
      })
      .expect(200);
    const rows = await queryRows(
      t.database.url,
      "select 1 from messages where from_address = $1 and channel = 'voice' and direction = 'inbound'",
      [phone],
    );
    expect(rows).toHaveLength(1);
  });

  test('saying "cancel" cancels it; the Spanish contact hears Spanish and gets the Spanish acknowledgement', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment({ language: 'es' });
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    const doc = readTwiml(
      (await t.postVoice(path(String(call.params.Url)), placedCall(call.sid, phone))).text,
    );
    const gather = findOne(doc, 'Gather');
    expect(gather.attributes).toMatchObject({
      language: 'es-US',
      action: expect.stringContaining('lang=es'),
    });
    expect(findAll(gather, 'Say')[0]!.text).toMatch(/recordarle su cita/);

    await t
      .postVoice(`${VOICE}/answer?message=${messageId}&lang=es`, {
        ...placedCall(call.sid, phone),
        SpeechResult: 'cancelar',
      })
      .expect(200);
    const message = await voiceAnswerFrom(phone);
    expect(message).toMatchObject({ body: '2', appointment_id: appointmentId });
    expect(message.triage).toMatchObject({ intent: 'cancel', engine: 'context' });
    expect(await appointmentStatus(appointmentId)).toBe('cancelled');
    await eventually(async () =>
      t.twilio.messages.some((m) => m.params.To === phone && /fue cancelada/.test(String(m.params.Body))),
    );
  });

  test('pressing 3 files a call-back request for the front desk and leaves the appointment alone', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    await t
      .postVoice(`${VOICE}/answer?message=${messageId}&lang=en`, {
        ...placedCall(call.sid, phone),
        Digits: '3',
      })
      .expect(200);
    const message = await voiceAnswerFrom(phone);
    expect(message.body).toMatch(/talk to staff/);
    expect(message.triage).toMatchObject({ intent: 'general', queue: 'front-desk' });
    expect(await appointmentStatus(appointmentId)).toBe('scheduled');
  });

  test('an unknown key is asked again, nothing stored', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    const doc = readTwiml(
      (
        await t.postVoice(`${VOICE}/answer?message=${messageId}&lang=en`, {
          ...placedCall(call.sid, phone),
          Digits: '7',
        })
      ).text,
    );
    expect(verbs(doc)).toEqual(['Say', 'Redirect']);
    expect(findOne(doc, 'Redirect').text).toBe(
      `${PUBLIC_URL}${VOICE}/outbound?message=${messageId}&attempt=2`,
    );
    const rows = await queryRows(
      t.database.url,
      "select 1 from messages where from_address = $1 and channel = 'voice'",
      [phone],
    );
    expect(rows).toEqual([]);
  });

  test('an unanswered call ends undelivered', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    await t
      .postVoice(`${VOICE}/status`, { ...placedCall(call.sid, phone), CallStatus: 'no-answer' })
      .expect(200);
    await eventually(async () => {
      const [row] = await queryRows<{ status: string }>(
        t.database.url,
        'select status from messages where id = $1',
        [messageId],
      );
      return row?.status === 'undelivered';
    });
  });

  test('a call URL for an unknown message, or answered by another number, hangs up politely and stores nothing', async () => {
    const { phone, contactId, appointmentId } = await contactWithAppointment();
    const { messageId, call } = await remindByCall(contactId, appointmentId);
    const unknown = readTwiml(
      (
        await t
          .postVoice(
            `${VOICE}/outbound?message=00000000-0000-4000-8000-000000000000&attempt=1`,
            placedCall(call.sid, phone),
          )
          .expect(200)
      ).text,
    );
    expect(verbs(unknown)).toEqual(['Say', 'Hangup']);
    const stranger = randomUsPhone();
    const elsewhere = readTwiml(
      (
        await t.postVoice(`${VOICE}/answer?message=${messageId}&lang=en`, {
          ...placedCall(call.sid, stranger),
          Digits: '2',
        })
      ).text,
    );
    expect(verbs(elsewhere)).toEqual(['Say', 'Hangup']);
    expect(await appointmentStatus(appointmentId)).toBe('scheduled');
    const rows = await queryRows(
      t.database.url,
      "select 1 from messages where channel = 'voice' and direction = 'inbound' and from_address in ($1, $2)",
      [phone, stranger],
    );
    expect(rows).toEqual([]);

    const malformed = await t.postVoice(`${VOICE}/outbound?message=not-an-id`, placedCall(call.sid, phone));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/message/);
  });
});

describe('sandbox mode', () => {
  let sandbox: TestHub;
  beforeAll(async () => {
    sandbox = await startTestHub({
      env: { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM_NUMBER: '', TWILIO_API_URL: '' },
    });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  test('a reminder call is recorded, not placed', async () => {
    const phone = randomUsPhone();
    const api = await sandbox.api();
    const contact = await api.post('/contacts', { phone, timeZone: middayTimeZone() }).expect(201);
    const { outcome } = await planOutbound(
      sandbox.hub.outbound,
      {
        orgId: sandbox.hub.org.id,
        contactId: contact.body.contact.id,
        initiator: 'automated',
        requestedChannel: 'voice',
        content: {
          template: 'appointment-reminder',
          variables: { clinicName: 'Clinic', appointmentTime: '2026-12-03T15:30:00Z', location: 'Main St' },
        },
        requestId: 'sandbox-test',
      },
      { dryRun: false },
    );
    const row = await eventually(async () => {
      const [r] = await queryRows<{
        status: string;
        channel_meta: Record<string, unknown>;
        provider_message_id: string;
      }>(
        sandbox.database.url,
        'select status, channel_meta, provider_message_id from messages where id = $1',
        [outcome!.message.id],
      );
      return r?.status === 'delivered' ? r : null;
    });
    expect(row.channel_meta).toMatchObject({ sandbox: true });
    expect(row.provider_message_id).toMatch(/^CA[0-9a-f]{32}$/);
    expect(sandbox.twilio.calls).toEqual([]);
    expect(sandbox.twilio.requestCount).toBe(0);
  });
});
