import { randomBytes } from 'node:crypto';
import request from 'supertest';
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
import { twilioSignature } from '../support/twilio-signing';
import { findAll, findOne, readTwiml, verbs } from './voice-twiml-reader';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const VOICE = '/webhooks/twilio/voice';
const callSid = () => `CA${randomBytes(16).toString('hex')}`;
const recordingSid = () => `RE${randomBytes(16).toString('hex')}`;
const transcriptionSid = () => `TR${randomBytes(16).toString('hex')}`;

/** What Twilio sends with every request of an inbound call. */
const inboundCall = (from: string, sid = callSid()) => ({
  CallSid: sid,
  From: from,
  To: CLINIC_NUMBER,
  Direction: 'inbound',
  CallStatus: 'in-progress',
});

async function twiml(res: request.Response) {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/xml/);
  return readTwiml(res.text);
}

type Row = {
  id: string;
  body: string;
  contact_id: string;
  conversation_id: string;
  channel_meta: Record<string, unknown>;
  media: { url: string; contentType: string }[];
  triage: { intent: string; urgency: string; queue: string; engine: string; actions: string[] } | null;
};

const voiceMessagesFrom = (phone: string) =>
  queryRows<Row>(
    t.database.url,
    "select id, body, contact_id, conversation_id, channel_meta, media, triage from messages where from_address = $1 and channel = 'voice' and direction = 'inbound' order by created_at",
    [phone],
  );

const triaged = (phone: string, count = 1) =>
  eventually(async () => {
    const rows = await voiceMessagesFrom(phone);
    return rows.length >= count && rows.every((r) => r.triage) ? rows : null;
  });

const queueOf = async (conversationId: string) =>
  (
    await queryRows<{ queue: string; urgency: string }>(
      t.database.url,
      'select queue, urgency from conversations where id = $1',
      [conversationId],
    )
  )[0]!;

const messageCount = async () =>
  Number((await queryRows<{ n: string }>(t.database.url, 'select count(*) as n from messages'))[0]!.n);

describe('answering a call', () => {
  test('an unknown caller hears the English menu with the Spanish offer; keypad and speech, nothing stored', async () => {
    const phone = randomUsPhone();
    const before = await messageCount();
    const doc = await twiml(await t.postVoice(VOICE, inboundCall(phone)));
    expect(verbs(doc)).toEqual(['Gather']);
    const gather = findOne(doc, 'Gather');
    expect(gather.attributes).toMatchObject({
      input: 'dtmf speech',
      numDigits: '1',
      language: 'en-US',
      method: 'POST',
      action: `${PUBLIC_URL}${VOICE}/menu?lang=en&attempt=1`,
    });
    const says = findAll(gather, 'Say');
    expect(says[0]!.attributes.language).toBe('en-US');
    expect(says.map((s) => s.text).join(' ')).toMatch(
      /appointments, press 1.*prescriptions and refills, press 2.*billing, press 3.*nurse, press 4/,
    );
    expect(says.map((s) => s.text).join(' ')).toMatch(/9 1 1/);
    const spanish = says.find((s) => s.attributes.language === 'es-MX');
    expect(spanish?.text).toBe('Para español, oprima 9.');
    expect(await messageCount()).toBe(before);
  });

  test('a contact whose language is Spanish hears the menu in Spanish', async () => {
    const phone = randomUsPhone();
    const api = await t.api();
    await api.post('/contacts', { phone, language: 'es' }).expect(201);
    const doc = await twiml(await t.postVoice(VOICE, inboundCall(phone)));
    const gather = findOne(doc, 'Gather');
    expect(gather.attributes).toMatchObject({
      language: 'es-US',
      action: `${PUBLIC_URL}${VOICE}/menu?lang=es&attempt=1`,
    });
    const says = findAll(gather, 'Say');
    expect(says[0]!.attributes.language).toBe('es-MX');
    expect(says[0]!.text).toMatch(/Gracias por llamar/);
    expect(says.map((s) => s.text).join(' ')).toMatch(/Para recetas y resurtidos, oprima 2/);
    expect(says.find((s) => s.attributes.language === 'en-US')?.text).toBe('For English, press 9.');
  });

  test('pressing 9 switches the menu to Spanish', async () => {
    const doc = await twiml(
      await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...inboundCall(randomUsPhone()), Digits: '9' }),
    );
    expect(findOne(doc, 'Gather').attributes.action).toBe(`${PUBLIC_URL}${VOICE}/menu?lang=es&attempt=1`);
  });

  test('a withheld number is told so politely and hung up on; nothing stored', async () => {
    const before = await messageCount();
    const doc = await twiml(await t.postVoice(VOICE, inboundCall('Anonymous')));
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(findOne(doc, 'Say').text).toMatch(/blocked number/);
    expect(await messageCount()).toBe(before);
  });
});

describe('menu choices', () => {
  test('2 files a prescriptions request on the caller’s own conversation (same contact as their SMS), routed to refills', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'hi, this is my number' }).expect(200);
    const [sms] = await eventually(async () => {
      const rows = await queryRows<{ contact_id: string; conversation_id: string; triage: unknown }>(
        t.database.url,
        "select contact_id, conversation_id, triage from messages where from_address = $1 and channel = 'sms'",
        [phone],
      );
      return rows[0]?.triage ? rows : null;
    });

    const call = inboundCall(phone);
    const doc = await twiml(await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...call, Digits: '2' }));
    expect(verbs(doc)).toEqual(['Say', 'Hangup']);
    expect(findOne(doc, 'Say').text).toMatch(/prescriptions and refills/);

    const [message] = await triaged(phone);
    expect(message).toMatchObject({
      body: 'Phone menu: prescriptions and refills (pressed 2)',
      contact_id: sms!.contact_id,
      conversation_id: sms!.conversation_id,
    });
    expect(message!.channel_meta).toMatchObject({ digits: '2', callSid: call.CallSid, kind: 'menu_choice' });
    expect(message!.triage).toMatchObject({ intent: 'refill', queue: 'refills', engine: 'keyword' });
    expect((await queueOf(message!.conversation_id)).queue).toBe('refills');

    // The same callback again (Twilio retrying) stores nothing new.
    await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...call, Digits: '2' }).expect(200);
    expect(await voiceMessagesFrom(phone)).toHaveLength(1);
  });

  test('a staff reply after a call goes by SMS, as the preview says: a call cannot carry typed text', async () => {
    const phone = randomUsPhone();
    await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...inboundCall(phone), Digits: '2' }).expect(200);
    const [message] = await triaged(phone);
    const conversationId = message!.conversation_id;
    const api = await t.api();
    const content = { body: 'Your refill went to the pharmacy.', sensitivity: 'limited' };
    const preview = await api.post('/policy/check', { conversationId, ...content }).expect(200);
    expect(preview.body.decision).toMatchObject({ allowed: true, channel: 'sms' });
    expect(preview.body.decision.reasons[0]).toMatch(
      /by voice, which cannot carry a typed reply: it goes by SMS/,
    );
    const reply = await api.post(`/conversations/${conversationId}/messages`, content).expect(202);
    expect(reply.body.message).toMatchObject({ channel: 'sms', conversationId, authorKind: 'staff' });
    expect(reply.body.decision).toEqual(preview.body.decision);
    await eventually(async () =>
      t.twilio.messages.find((m) => m.params.To === phone && m.params.Body === content.body),
    );
    expect(t.twilio.calls.some((c) => c.params.To === phone)).toBe(false);
  });

  test('saying "billing" goes to the billing queue', async () => {
    const phone = randomUsPhone();
    await t
      .postVoice(`${VOICE}/menu?lang=en&attempt=1`, {
        ...inboundCall(phone),
        SpeechResult: 'billing please',
        Confidence: '0.92',
      })
      .expect(200);
    const [message] = await triaged(phone);
    expect(message!.body).toBe('Phone menu: billing (said "billing please")');
    expect(message!.triage).toMatchObject({ intent: 'billing', queue: 'billing' });
  });

  test('1 (appointments) goes to the front desk', async () => {
    const phone = randomUsPhone();
    await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...inboundCall(phone), Digits: '1' }).expect(200);
    const [message] = await triaged(phone);
    expect(message!.triage).toMatchObject({ intent: 'general', queue: 'front-desk' });
  });

  test('no input: the menu once more, then voicemail', async () => {
    const call = inboundCall(randomUsPhone());
    const again = await twiml(await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, call));
    expect(findOne(again, 'Gather').attributes.action).toBe(`${PUBLIC_URL}${VOICE}/menu?lang=en&attempt=2`);
    expect(findAll(again, 'Say')[0]!.text).toMatch(/didn't get that/);
    const last = await twiml(await t.postVoice(`${VOICE}/menu?lang=en&attempt=2`, { ...call, Digits: '7' }));
    expect(verbs(last)).toEqual(['Redirect']);
    expect(findOne(last, 'Redirect').text).toBe(`${PUBLIC_URL}${VOICE}/voicemail?lang=en&reason=no-input`);
  });

  test('a bad query value is a 400 naming it, after the signature check', async () => {
    const res = await t.postVoice(`${VOICE}/menu?lang=fr&attempt=1`, {
      ...inboundCall(randomUsPhone()),
      Digits: '2',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed' });
    expect(res.body.error.message).toMatch(/lang/);
  });
});

describe('voicemail', () => {
  async function leaveVoicemail(phone: string, text: string, status = 'completed') {
    const call = inboundCall(phone);
    const menu = await twiml(await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...call, Digits: '4' }));
    const voicemailUrl = findOne(menu, 'Redirect').text;
    expect(voicemailUrl).toBe(`${PUBLIC_URL}${VOICE}/voicemail?lang=en&reason=nurse`);

    const doc = await twiml(await t.postVoice(voicemailUrl.slice(PUBLIC_URL.length), call));
    expect(verbs(doc)).toEqual(['Say', 'Record', 'Say', 'Hangup']);
    const record = findOne(doc, 'Record');
    expect(record.attributes).toMatchObject({
      transcribe: 'true',
      transcribeCallback: `${PUBLIC_URL}${VOICE}/transcription?lang=en&reason=nurse`,
      action: `${PUBLIC_URL}${VOICE}/recorded?lang=en&reason=nurse`,
      maxLength: '120',
      finishOnKey: '#',
    });

    const recording = recordingSid();
    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${t.twilio.accountSid}/Recordings/${recording}`;
    const thanks = await twiml(
      await t.postVoice(record.attributes.action!.slice(PUBLIC_URL.length), {
        ...call,
        RecordingSid: recording,
        RecordingUrl: recordingUrl,
        RecordingDuration: '14',
        Digits: 'hangup',
      }),
    );
    expect(verbs(thanks)).toEqual(['Say', 'Hangup']);

    const transcription = {
      ...call,
      CallStatus: 'completed',
      RecordingSid: recording,
      RecordingUrl: recordingUrl,
      TranscriptionSid: transcriptionSid(),
      TranscriptionStatus: status,
      TranscriptionText: text,
      TranscriptionUrl: `https://api.twilio.com/2010-04-01/Accounts/${t.twilio.accountSid}/Transcriptions/x`,
    };
    const path = record.attributes.transcribeCallback!.slice(PUBLIC_URL.length);
    await t.postVoice(path, transcription).expect(200);
    return { call, recording, recordingUrl, transcription, path };
  }

  test('a voicemail about chest pain is stored with its recording, escalates, and gets the safety reply by SMS; a replay stores nothing', async () => {
    const phone = randomUsPhone();
    const sentBefore = t.twilio.messages.length;
    const { recording, recordingUrl, transcription, path } = await leaveVoicemail(
      phone,
      'Hi this is Maria, I have had crushing chest pain since this morning and my left arm feels numb.',
    );
    const [message] = await triaged(phone);
    expect(message!.body).toMatch(/crushing chest pain/);
    expect(message!.media).toEqual([{ url: recordingUrl, contentType: 'audio/wav' }]);
    expect(message!.channel_meta).toMatchObject({
      kind: 'voicemail',
      recordingSid: recording,
      transcribed: true,
    });
    expect(message!.triage).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
    });
    expect(message!.triage!.actions).toContain('sent emergency_safety_reply');
    expect(await queueOf(message!.conversation_id)).toEqual({ queue: 'nurse-triage', urgency: 'emergency' });
    const escalations = await queryRows(
      t.database.url,
      "select 1 from hub_events where message_id = $1 and type = 'triage.escalated'",
      [message!.id],
    );
    expect(escalations).toHaveLength(1);

    // The safety reply goes by text (the caller has hung up), through the outbox and the Twilio stand-in.
    const reply = await eventually(async () =>
      t.twilio.messages.slice(sentBefore).find((m) => m.params.To === phone),
    );
    expect(String(reply.params.Body)).toMatch(/911/);
    const [outbound] = await queryRows<{ channel: string; automation: string }>(
      t.database.url,
      "select channel, automation from messages where direction = 'outbound' and to_address = $1",
      [phone],
    );
    expect(outbound).toEqual({ channel: 'sms', automation: 'emergency_safety_reply' });

    // Twilio retrying the transcription callback: still one message.
    await t.postVoice(path, transcription).expect(200);
    await t.postVoice(path, { ...transcription, TranscriptionSid: transcriptionSid() }).expect(200);
    expect(await voiceMessagesFrom(phone)).toHaveLength(1);
  });

  test('a voicemail Twilio could not transcribe goes to the nurses with its recording', async () => {
    const phone = randomUsPhone();
    await leaveVoicemail(phone, '', 'failed');
    const [message] = await triaged(phone);
    expect(message!.body).toMatch(/no transcription/i);
    expect(message!.media).toHaveLength(1);
    expect(message!.triage).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
  });

  test('a forged transcription callback is refused (403 JSON) and nothing is stored', async () => {
    const phone = randomUsPhone();
    const params = {
      AccountSid: t.twilio.accountSid,
      ...inboundCall(phone),
      RecordingSid: recordingSid(),
      RecordingUrl: 'https://api.twilio.com/recordings/x',
      TranscriptionStatus: 'completed',
      TranscriptionText: 'please call me back',
    };
    const before = await messageCount();
    const forged = await request(t.hub.url)
      .post(`${VOICE}/transcription?lang=en&reason=nurse`)
      .type('form')
      .set('X-Twilio-Signature', 'bm90IGEgcmVhbCBzaWduYXR1cmU=')
      .send(params);
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatchObject({ code: 'signature_invalid' });
    const unsigned = await request(t.hub.url).post(`${VOICE}/transcription`).type('form').send(params);
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.error).toMatchObject({ code: 'signature_missing' });
    // Signed for another query string: the signature covers it.
    const signedForEnglish = twilioSignature(
      t.authToken,
      `${PUBLIC_URL}${VOICE}/transcription?lang=en&reason=nurse`,
      params,
    );
    const moved = await request(t.hub.url)
      .post(`${VOICE}/transcription?lang=es&reason=nurse`)
      .type('form')
      .set('X-Twilio-Signature', signedForEnglish)
      .send(params);
    expect(moved.status).toBe(403);
    expect(await messageCount()).toBe(before);
  });

  test('a transcription callback without a RecordingSid is a 400 naming it; nothing stored', async () => {
    const before = await messageCount();
    const res = await t.postVoice(`${VOICE}/transcription?lang=en&reason=nurse`, {
      ...inboundCall(randomUsPhone()),
      RecordingUrl: 'https://api.twilio.com/recordings/x',
      TranscriptionStatus: 'completed',
      TranscriptionText: 'hello',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain('RecordingSid');
    expect(res.body.error.details.fields).toContain('RecordingSid');
    expect(await messageCount()).toBe(before);
  });

  test('a recording or transcription for a call the hub never took to voicemail is refused; nothing is stored', async () => {
    const phone = randomUsPhone();
    const before = await messageCount();
    const callback = (call: ReturnType<typeof inboundCall>) => ({
      ...call,
      CallStatus: 'completed',
      RecordingSid: recordingSid(),
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${t.twilio.accountSid}/Recordings/x`,
      TranscriptionSid: transcriptionSid(),
      TranscriptionStatus: 'completed',
      TranscriptionText: 'please call me back about my results',
    });

    // Never seen at all (correctly signed, but another app's call or a made-up CallSid).
    const stranger = inboundCall(phone);
    const refused = await t.postVoice(`${VOICE}/transcription?lang=en&reason=nurse`, callback(stranger));
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatchObject({ code: 'unknown_call' });
    // The <Record> action of such a call: the caller may be on the line, so TwiML that says so.
    const recorded = await twiml(
      await t.postVoice(`${VOICE}/recorded?lang=en&reason=nurse`, {
        ...stranger,
        RecordingSid: recordingSid(),
        RecordingDuration: '5',
      }),
    );
    expect(verbs(recorded)).toEqual(['Say', 'Hangup']);
    expect(findOne(recorded, 'Say').text).toMatch(/did not receive a message/);

    // Answered, but the caller never reached voicemail: no recording was ever asked for.
    const answered = inboundCall(phone);
    await t.postVoice(VOICE, answered).expect(200);
    const notOffered = await t.postVoice(`${VOICE}/transcription?lang=en&reason=nurse`, callback(answered));
    expect(notOffered.status).toBe(404);
    expect(notOffered.body.error.code).toBe('unknown_call');

    expect(await voiceMessagesFrom(phone)).toEqual([]);
    expect(await messageCount()).toBe(before);
  });

  test('a menu step for a call the hub did not answer is served as a fresh call, and the call is known after', async () => {
    const phone = randomUsPhone();
    const call = inboundCall(phone);
    const thanks = await twiml(
      await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...call, Digits: '1' }),
    );
    expect(verbs(thanks)).toEqual(['Say', 'Hangup']);
    expect(findOne(thanks, 'Say').text).toMatch(/appointments/);
    const [choice] = await voiceMessagesFrom(phone);
    expect(choice!.channel_meta).toMatchObject({ kind: 'menu_choice', option: 'appointments' });
    // Its end is accepted (200) and, since the caller chose something, is no missed call.
    await t.postVoice(`${VOICE}/status`, { ...call, CallStatus: 'completed' }).expect(200);

    // No input from an unanswered call: the menu once more, as for any call.
    const quiet = inboundCall(randomUsPhone());
    const again = await twiml(await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, quiet));
    expect(verbs(again)).toEqual(['Gather']);
  });
});

describe('missed calls', () => {
  const endCall = (call: ReturnType<typeof inboundCall>, status = 'completed') =>
    t.postVoice(`${VOICE}/status`, { ...call, CallStatus: status, CallDuration: '9' });

  const textBacksTo = (phone: string) =>
    t.twilio.messages.filter((m) => m.params.To === phone && /missed your call/.test(String(m.params.Body)));

  test('a caller who hangs up in the menu is texted back once, through policy and the outbox', async () => {
    const phone = randomUsPhone();
    const api = await t.api();
    await api.post('/contacts', { phone, timeZone: middayTimeZone() }).expect(201);
    const call = inboundCall(phone);
    await t.postVoice(VOICE, call).expect(200);
    await endCall(call).expect(200);

    const [missed] = await triaged(phone);
    expect(missed!.body).toMatch(/^Missed call/);
    expect(missed!.triage).toMatchObject({ intent: 'general', queue: 'front-desk' });
    await eventually(async () => textBacksTo(phone).length === 1);
    const [row] = await queryRows<{
      channel: string;
      template_id: string;
      automation: string;
      status: string;
    }>(
      t.database.url,
      "select channel, template_id, automation, status from messages where direction = 'outbound' and to_address = $1",
      [phone],
    );
    expect(row).toMatchObject({
      channel: 'sms',
      template_id: 'missed-call-text-back',
      automation: 'missed_call_text_back',
    });

    // Twilio retrying the status callback: no second message, no second text.
    await endCall(call).expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(textBacksTo(phone)).toHaveLength(1);
    expect(await voiceMessagesFrom(phone)).toHaveLength(1);
  });

  test('no text-back when the caller opted out of SMS (the missed call is still filed)', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
    await eventually(async () => t.twilio.messages.some((m) => m.params.To === phone));
    const call = inboundCall(phone);
    await t.postVoice(VOICE, call).expect(200);
    await endCall(call, 'completed').expect(200);
    const [missed] = await voiceMessagesFrom(phone);
    expect(missed!.channel_meta.textBack).toEqual({ status: 'refused', code: 'consent_opted_out' });
    await new Promise((r) => setTimeout(r, 300));
    expect(textBacksTo(phone)).toHaveLength(0);
  });

  test('no text-back and nothing filed when the caller chose an option or reached voicemail', async () => {
    const chose = randomUsPhone();
    const choseCall = inboundCall(chose);
    await t.postVoice(`${VOICE}/menu?lang=en&attempt=1`, { ...choseCall, Digits: '3' }).expect(200);
    await endCall(choseCall).expect(200);

    const recorded = randomUsPhone();
    const recordedCall = inboundCall(recorded);
    await t.postVoice(`${VOICE}/voicemail?lang=en&reason=nurse`, recordedCall).expect(200);
    await endCall(recordedCall).expect(200);

    await new Promise((r) => setTimeout(r, 300));
    expect((await voiceMessagesFrom(chose)).map((m) => m.channel_meta.kind)).toEqual(['menu_choice']);
    expect(await voiceMessagesFrom(recorded)).toEqual([]);
    expect(textBacksTo(chose)).toHaveLength(0);
    expect(textBacksTo(recorded)).toHaveLength(0);
  });

  test('the end of a call the hub never answered files nothing and texts nobody (404 unknown_call)', async () => {
    const phone = randomUsPhone();
    const api = await t.api();
    await api.post('/contacts', { phone, timeZone: middayTimeZone() }).expect(201);
    const res = await endCall(inboundCall(phone));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_call');
    await new Promise((r) => setTimeout(r, 300));
    expect(await voiceMessagesFrom(phone)).toEqual([]);
    expect(textBacksTo(phone)).toHaveLength(0);
  });

  test('a withheld caller is answered and known: the end of the call is accepted, nothing filed', async () => {
    const call = inboundCall('Anonymous');
    await t.postVoice(VOICE, call).expect(200);
    await endCall(call).expect(200);
    const filed = await queryRows(
      t.database.url,
      'select 1 from messages where provider_message_id like $1',
      [`${call.CallSid}%`],
    );
    expect(filed).toEqual([]);
  });

  test('a status that is not final, or a forged one, does nothing', async () => {
    const phone = randomUsPhone();
    const call = inboundCall(phone);
    await t.postVoice(`${VOICE}/status`, { ...call, CallStatus: 'ringing' }).expect(200);
    const forged = await request(t.hub.url)
      .post(`${VOICE}/status`)
      .type('form')
      .set('X-Twilio-Signature', 'AAAA')
      .send({ AccountSid: t.twilio.accountSid, ...call, CallStatus: 'completed' });
    expect(forged.status).toBe(403);
    expect(await voiceMessagesFrom(phone)).toEqual([]);
  });
});
