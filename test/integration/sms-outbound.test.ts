import request from 'supertest';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  PUBLIC_URL,
  randomUsPhone,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

/** A patient writes in; returns the conversation id. */
async function conversationFrom(phone: string, body = 'hello'): Promise<string> {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where from_address = $1 order by created_at desc limit 1',
    [phone],
  );
  return row!.conversation_id;
}

/** Posts a staff reply and checks the HTTP status. */
async function reply(conversationId: string, body: string, status: number): Promise<request.Response> {
  return request(t.hub.url)
    .post(`/api/v1/conversations/${conversationId}/messages`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .send({ body, sensitivity: 'limited' })
    .expect(status);
}

const messageRow = async (id: string) =>
  (
    await queryRows<{
      status: string;
      provider_message_id: string | null;
      error_code: string | null;
      send_attempts: number;
      channel_meta: Record<string, unknown>;
    }>(t.database.url, 'select * from messages where id = $1', [id])
  )[0]!;

describe('staff reply over SMS', () => {
  test('202, goes out through the Twilio API with a status callback, and status callbacks move it to delivered', async () => {
    const phone = randomUsPhone();
    const conversationId = await conversationFrom(phone);
    const before = t.twilio.messages.length;
    const res = await reply(conversationId, 'Yes, we are open 9 to 1 on Saturday.', 202);
    expect(res.body.message).toMatchObject({ direction: 'outbound', channel: 'sms', status: 'pending' });
    expect(res.body.message.channelMeta).toMatchObject({ encoding: 'GSM-7', segments: 1 });

    const [sent] = (await t.twilio.waitForMessages(before + 1)).slice(before);
    const id = res.body.message.id as string;
    expect(sent!.authorized).toBe(true);
    expect(sent!.params).toMatchObject({
      To: phone,
      From: CLINIC_NUMBER,
      Body: 'Yes, we are open 9 to 1 on Saturday.',
      // Our message id rides in the callback URL, so a callback names its message by itself.
      StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status?m=${id}`,
    });
    await eventually(async () => (await messageRow(id)).provider_message_id === sent!.sid);
    expect((await messageRow(id)).status).toBe('queued');

    await t.postStatus({ MessageSid: sent!.sid, MessageStatus: 'sent' }).expect(200);
    expect((await messageRow(id)).status).toBe('sent');
    await t.postStatus({ MessageSid: sent!.sid, MessageStatus: 'delivered' }).expect(200);
    expect((await messageRow(id)).status).toBe('delivered');

    const detail = await request(t.hub.url)
      .get(`/api/v1/conversations/${conversationId}`)
      .set('Authorization', `Bearer ${await t.staffToken()}`)
      .expect(200);
    expect(detail.body.conversation.messages.map((m: { direction: string }) => m.direction)).toEqual([
      'inbound',
      'outbound',
    ]);
    expect(detail.body.conversation.messages[1].status).toBe('delivered');
  });

  test('out-of-order status callbacks never move a message backwards, and every callback is kept', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    const before = t.twilio.messages.length;
    const res = await reply(conversationId, 'Order test', 202);
    const [sent] = (await t.twilio.waitForMessages(before + 1)).slice(before);
    const id = res.body.message.id as string;
    await eventually(async () => (await messageRow(id)).provider_message_id === sent!.sid);
    await t.postStatus({ MessageSid: sent!.sid, MessageStatus: 'delivered' }).expect(200);
    await t.postStatus({ MessageSid: sent!.sid, MessageStatus: 'sent' }).expect(200);
    await t.postStatus({ MessageSid: sent!.sid, MessageStatus: 'queued' }).expect(200);
    expect((await messageRow(id)).status).toBe('delivered');
    const events = await queryRows<{ status: string; applied: number }>(
      t.database.url,
      'select status, applied from message_status_events where message_id = $1 order by id',
      [id],
    );
    expect(events).toEqual([
      { status: 'delivered', applied: 1 },
      { status: 'sent', applied: 0 },
      { status: 'queued', applied: 0 },
    ]);
  });

  test('undelivered keeps the carrier error code', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    const before = t.twilio.messages.length;
    const res = await reply(conversationId, 'Will bounce', 202);
    const [sent] = (await t.twilio.waitForMessages(before + 1)).slice(before);
    await eventually(async () => (await messageRow(res.body.message.id)).provider_message_id === sent!.sid);
    await t
      .postStatus({ MessageSid: sent!.sid, MessageStatus: 'undelivered', ErrorCode: '30003' })
      .expect(200);
    const row = await messageRow(res.body.message.id);
    expect(row.status).toBe('undelivered');
    expect(row.error_code).toBe('30003');
  });

  test('a status callback for an unknown SID answers 200 and is kept as an orphan event', async () => {
    const sid = `SM${'f'.repeat(32)}`;
    await t.postStatus({ MessageSid: sid, MessageStatus: 'delivered' }).expect(200);
    const rows = await queryRows(
      t.database.url,
      'select 1 from message_status_events where provider_message_id = $1 and message_id is null',
      [sid],
    );
    expect(rows).toHaveLength(1);
  });

  test('status callbacks are signature-checked and validated', async () => {
    await request(t.hub.url)
      .post('/webhooks/twilio/status')
      .type('form')
      .send({ MessageSid: `SM${'a'.repeat(32)}`, MessageStatus: 'delivered' })
      .expect(403);
    const res = await t
      .postStatus({ MessageSid: `SM${'a'.repeat(32)}`, MessageStatus: 'teleported' })
      .expect(400);
    expect(res.body.error.message).toContain('MessageStatus');
  });

  test('provider 5xx, then success: retried with backoff, sent once, delivered', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    t.twilio.enqueueReplies({ kind: 'error', status: 503, code: 20503, message: 'Service unavailable' });
    const before = t.twilio.messages.length;
    const res = await reply(conversationId, 'Retry me', 202);
    const id = res.body.message.id as string;
    await eventually(async () => (await messageRow(id)).error_code === 'twilio_20503');
    expect((await messageRow(id)).status).toBe('pending');
    const [sent] = (await t.twilio.waitForMessages(before + 1, 15_000)).slice(before);
    await eventually(async () => (await messageRow(id)).status === 'queued');
    const row = await messageRow(id);
    expect(row.provider_message_id).toBe(sent!.sid);
    expect(row.send_attempts).toBe(2);
    expect(row.error_code).toBeNull();
    expect(t.twilio.messages.filter((m) => m.params.Body === 'Retry me')).toHaveLength(1);
  });

  test('provider 4xx: failed at once with the provider error code, not retried', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    t.twilio.enqueueReplies({
      kind: 'error',
      status: 400,
      code: 21211,
      message: "The 'To' number is not valid",
    });
    const res = await reply(conversationId, 'Never arrives', 202);
    const id = res.body.message.id as string;
    await eventually(async () => (await messageRow(id)).status === 'failed');
    const row = await messageRow(id);
    expect(row.error_code).toBe('twilio_21211');
    expect(row.send_attempts).toBe(1);
    // Long enough for a retry (first backoff is 2 s) to have happened if it were going to.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await messageRow(id)).send_attempts).toBe(1);
    expect(t.twilio.messages.filter((m) => m.params.Body === 'Never arrives')).toHaveLength(0);
  });

  test('emoji and non-Latin replies are counted as UCS-2 segments', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    const body = '¡Hola! 😊 Su cita está confirmada. 予約が確認されました。'.repeat(2);
    const res = await reply(conversationId, body, 202);
    expect(res.body.message.channelMeta).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  test('an empty reply: 400; an unknown conversation: 404', async () => {
    const conversationId = await conversationFrom(randomUsPhone());
    const empty = await reply(conversationId, '   ', 400);
    expect(empty.body.error.code).toBe('validation_failed');
    await reply('00000000-0000-4000-8000-000000000000', 'hi', 404);
  });
});

describe('carrier keywords', () => {
  const outboundTo = (phone: string) =>
    queryRows<{ body: string; automation: string | null; status: string }>(
      t.database.url,
      "select body, automation, status from messages where direction = 'outbound' and to_address = $1 order by created_at",
      [phone],
    );
  const ledger = (phone: string) =>
    queryRows<{ status: string; purpose: string; source: string; evidence_message_id: string }>(
      t.database.url,
      `select l.status, l.purpose, l.source, l.evidence_message_id from consent_ledger l
       join contact_identities i on i.contact_id = l.contact_id where i.address = $1 order by l.id`,
      [phone],
    );

  test('STOP opts out with one confirmation; a later reply is refused with consent_opted_out and nothing is enqueued', async () => {
    const phone = randomUsPhone();
    const conversationId = await conversationFrom(phone, 'I have a question');
    await t.postInboundSms({ From: phone, Body: ' Stop. ' }).expect(200);
    expect(await ledger(phone)).toEqual([
      {
        status: 'opted_out',
        purpose: 'all',
        source: 'carrier_keyword',
        evidence_message_id: expect.any(String),
      },
    ]);
    const confirmations = await eventually(async () => {
      const rows = await outboundTo(phone);
      return rows.length === 1 && rows[0]!.status !== 'pending' ? rows : null;
    });
    expect(confirmations[0]!.automation).toBe('opt_out_confirmation');
    expect(confirmations[0]!.body).toMatch(/unsubscribed/i);
    await eventually(async () => t.twilio.messages.some((m) => m.params.To === phone));

    const sentBefore = t.twilio.messages.length;
    const refused = await reply(conversationId, 'Are you still there?', 422);
    expect(refused.body.error).toMatchObject({ code: 'consent_opted_out', message: expect.any(String) });
    expect(refused.body.error.details.reasons.join(' ')).toMatch(/opted out of SMS/);
    expect(await outboundTo(phone)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.twilio.messages.length).toBe(sentBefore);
  });

  test('the STOP confirmation is planned under policy: its decision is stored and audited, and only that STOP lets one through', async () => {
    const phone = randomUsPhone();
    await conversationFrom(phone);
    await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
    const decided = () =>
      queryRows<{ id: string; automation: string; policy: Record<string, unknown> | null }>(
        t.database.url,
        "select id, automation, policy from messages where direction = 'outbound' and to_address = $1 order by created_at",
        [phone],
      );
    const [confirmation] = await decided();
    expect(confirmation).toMatchObject({
      automation: 'opt_out_confirmation',
      policy: { allowed: true, channel: 'sms', initiator: 'carrier_keyword_reply' },
    });
    expect((confirmation!.policy!.reasons as string[]).join(' ')).toMatch(
      /despite an opt-out there: it confirms the opt-out the patient just sent, once/,
    );
    const audits = await queryRows<{ detail: Record<string, unknown> }>(
      t.database.url,
      "select detail from audit_log where action = 'policy.decision' and detail->>'messageId' = $1",
      [confirmation!.id],
    );
    expect(audits).toEqual([
      { detail: expect.objectContaining({ allowed: true, initiator: 'carrier_keyword_reply' }) },
    ]);
    // HELP from the opted-out number is answered (carriers require it), and changes no consent.
    await t.postInboundSms({ From: phone, Body: 'HELP' }).expect(200);
    expect((await decided()).map((m) => m.automation)).toEqual(['opt_out_confirmation', 'help_confirmation']);
    expect((await ledger(phone)).map((r) => r.status)).toEqual(['opted_out']);
  });

  test('START after STOP opts back in; replies go out again', async () => {
    const phone = randomUsPhone();
    const conversationId = await conversationFrom(phone);
    await t.postInboundSms({ From: phone, Body: 'STOP' }).expect(200);
    await reply(conversationId, 'blocked', 422);
    await t.postInboundSms({ From: phone, Body: 'start' }).expect(200);
    expect((await ledger(phone)).map((r) => r.status)).toEqual(['opted_out', 'opted_in']);
    await reply(conversationId, 'Welcome back', 202);
  });

  test('YES after an opt-out opts back in', async () => {
    const phone = randomUsPhone();
    await conversationFrom(phone);
    await t.postInboundSms({ From: phone, Body: 'UNSUBSCRIBE' }).expect(200);
    await t.postInboundSms({ From: phone, Body: 'yes' }).expect(200);
    expect((await ledger(phone)).map((r) => r.status)).toEqual(['opted_out', 'opted_in']);
  });

  test('HELP answers the help text and changes no consent', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'HELP' }).expect(200);
    const rows = await eventually(async () => {
      const r = await outboundTo(phone);
      return r.length === 1 ? r : null;
    });
    expect(rows[0]!.automation).toBe('help_confirmation');
    expect(rows[0]!.body).toMatch(/STOP/);
    expect(await ledger(phone)).toEqual([]);
  });

  test.each(['I need to cancel my appointment', 'please stop', 'stop texting me at 6am', 'YES'])(
    '%p is a normal message: no consent change, no automatic reply',
    async (body) => {
      const phone = randomUsPhone();
      await t.postInboundSms({ From: phone, Body: body }).expect(200);
      expect(await ledger(phone)).toEqual([]);
      expect(await outboundTo(phone)).toEqual([]);
    },
  );

  test('a replayed STOP writes one ledger entry and one confirmation', async () => {
    const phone = randomUsPhone();
    const sid = `SM${'c'.repeat(31)}${Math.floor(Math.random() * 10)}`;
    await t.postInboundSms({ MessageSid: sid, From: phone, Body: 'STOP' }).expect(200);
    await t.postInboundSms({ MessageSid: sid, From: phone, Body: 'STOP' }).expect(200);
    expect(await ledger(phone)).toHaveLength(1);
    expect(await outboundTo(phone)).toHaveLength(1);
  });
});
