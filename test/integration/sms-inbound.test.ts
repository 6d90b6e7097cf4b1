import request from 'supertest';
import { queryRows } from '../support/test-database';
import { messageSid, PUBLIC_URL, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';
import { twilioSignature } from '../support/twilio-signing';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const countMessages = async () =>
  Number((await queryRows<{ n: string }>(t.database.url, 'select count(*) as n from messages'))[0]!.n);

describe('inbound SMS webhook', () => {
  test('a signed text lands in a conversation tied to the sender, answered with TwiML', async () => {
    const from = randomUsPhone();
    const res = await t.postInboundSms({ From: from, Body: 'Hi, is the clinic open Saturday?' }).expect(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    expect(res.text).toContain('<Response/>');

    const token = await t.staffToken();
    const list = await request(t.hub.url)
      .get('/api/v1/conversations')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const summary = list.body.conversations.find(
      (c: { lastMessage: { body: string } | null }) =>
        c.lastMessage?.body === 'Hi, is the clinic open Saturday?',
    );
    expect(summary).toBeDefined();
    const detail = await request(t.hub.url)
      .get(`/api/v1/conversations/${summary.id}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(detail.body.conversation.contact.identities).toEqual([
      {
        kind: 'phone',
        address: from,
        display: `+1 ${from.slice(2, 5)} ${from.slice(5, 8)} ${from.slice(8)}`,
        undeliverable: false,
      },
    ]);
    expect(detail.body.conversation.messages).toHaveLength(1);
    expect(detail.body.conversation.messages[0]).toMatchObject({
      direction: 'inbound',
      channel: 'sms',
      status: 'received',
    });
  });

  test('a second text from the same number joins the same conversation; another number gets its own', async () => {
    const from = randomUsPhone();
    await t.postInboundSms({ From: from, Body: 'first' }).expect(200);
    await t.postInboundSms({ From: from, Body: 'second' }).expect(200);
    await t.postInboundSms({ From: randomUsPhone(), Body: 'someone else' }).expect(200);
    const rows = await queryRows<{ conversation_id: string; body: string }>(
      t.database.url,
      "select conversation_id, body from messages where body in ('first', 'second', 'someone else')",
    );
    const byBody = Object.fromEntries(rows.map((r) => [r.body, r.conversation_id]));
    expect(byBody.first).toBe(byBody.second);
    expect(byBody['someone else']).not.toBe(byBody.first);
  });

  test('a national-format From is stored in E.164', async () => {
    await t.postInboundSms({ From: '(415) 555-0142', Body: 'national format' }).expect(200);
    const [row] = await queryRows<{ from_address: string }>(
      t.database.url,
      "select from_address from messages where body = 'national format'",
    );
    expect(row?.from_address).toBe('+14155550142');
  });

  test('MMS keeps media URLs and content types', async () => {
    await t
      .postInboundSms({
        From: randomUsPhone(),
        Body: 'photo of the rash',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
        MediaContentType1: 'image/png',
      })
      .expect(200);
    const [row] = await queryRows<{ media: { url: string; contentType: string }[] }>(
      t.database.url,
      "select media from messages where body = 'photo of the rash'",
    );
    expect(row?.media).toEqual([
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
        contentType: 'image/jpeg',
      },
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
        contentType: 'image/png',
      },
    ]);
  });

  test('MMS media at anything but an https URL is dropped (javascript:, data:, plain http); the message is kept', async () => {
    await t
      .postInboundSms({
        From: randomUsPhone(),
        Body: 'see attached',
        NumMedia: '4',
        MediaUrl0: 'javascript:alert(document.cookie)',
        MediaContentType0: 'image/png',
        MediaUrl1: 'data:text/html,<script>alert(1)</script>',
        MediaContentType1: 'text/html',
        // Twilio serves media over https only; with real credentials plain http is refused too.
        MediaUrl2: 'http://media.example/ME3',
        MediaContentType2: 'image/gif',
        MediaUrl3: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM2/Media/ME4',
        MediaContentType3: 'image/jpeg',
      })
      .expect(200);
    const [row] = await queryRows<{ id: string; conversation_id: string }>(
      t.database.url,
      "select id, conversation_id from messages where body = 'see attached'",
    );
    const api = await t.api();
    const detail = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    const message = detail.body.conversation.messages.find((m: { id: string }) => m.id === row!.id);
    expect(message.media).toEqual([
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM2/Media/ME4',
        contentType: 'image/jpeg',
      },
    ]);
    expect(message.channelMeta.mediaRefused).toEqual([
      { contentType: 'image/png', reason: 'unsafe_url_scheme' },
      { contentType: 'text/html', reason: 'unsafe_url_scheme' },
      { contentType: 'image/gif', reason: 'unsafe_url_scheme' },
    ]);
  });

  test('emoji and non-Latin text are stored unchanged', async () => {
    const body = 'Gracias 🙏 — 谢谢 — спасибо';
    await t.postInboundSms({ From: randomUsPhone(), Body: body }).expect(200);
    const rows = await queryRows(t.database.url, 'select 1 from messages where body = $1', [body]);
    expect(rows).toHaveLength(1);
  });
});

describe('inbound SMS webhook refuses bad requests and stores nothing', () => {
  const path = '/webhooks/twilio/sms';
  const params = () => ({
    MessageSid: messageSid(),
    AccountSid: t.twilio.accountSid,
    From: randomUsPhone(),
    To: '+14155550100',
    Body: 'hello',
  });

  test('wrong signature: 403 JSON error', async () => {
    const before = await countMessages();
    const res = await request(t.hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', twilioSignature('not-the-token', `${PUBLIC_URL}${path}`, params()))
      .send(params())
      .expect(403);
    expect(res.body.error.code).toBe('signature_invalid');
    expect(await countMessages()).toBe(before);
  });

  test('signature over different parameters: 403', async () => {
    const signed = params();
    const sent = { ...signed, Body: 'tampered' };
    await request(t.hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', twilioSignature(t.authToken, `${PUBLIC_URL}${path}`, signed))
      .send(sent)
      .expect(403);
  });

  test('signature for another URL: 403', async () => {
    const p = params();
    await request(t.hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', twilioSignature(t.authToken, `${PUBLIC_URL}/webhooks/other`, p))
      .send(p)
      .expect(403);
  });

  test('missing signature: 403', async () => {
    const res = await request(t.hub.url).post(path).type('form').send(params()).expect(403);
    expect(res.body).toEqual({ error: { code: 'signature_missing', message: expect.any(String) } });
  });

  test.each([
    ['MessageSid', { MessageSid: 'not-a-sid' }],
    ['MessageSid', { MessageSid: undefined }],
    ['From', { From: 'not a phone' }],
    ['NumMedia', { NumMedia: 'lots' }],
    ['MediaUrl0', { NumMedia: '1', MediaUrl0: 'not a url' }],
    ['Body', { Body: 'x'.repeat(1601) }],
  ])('malformed %s: 400 naming the field', async (field, change) => {
    const before = await countMessages();
    const res = await t.postInboundSms({ From: randomUsPhone(), Body: 'malformed', ...change }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
    expect(await countMessages()).toBe(before);
  });

  test('a 1 MB body: 413', async () => {
    const res = await request(t.hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', 'x')
      .send(`Body=${'a'.repeat(1024 * 1024)}`)
      .expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('idempotency on MessageSid', () => {
  test('a replayed webhook stores one message and answers 200 both times', async () => {
    const sid = messageSid();
    const from = randomUsPhone();
    await t.postInboundSms({ MessageSid: sid, From: from, Body: 'replayed' }).expect(200);
    await t.postInboundSms({ MessageSid: sid, From: from, Body: 'replayed' }).expect(200);
    const rows = await queryRows(t.database.url, 'select 1 from messages where provider_message_id = $1', [
      sid,
    ]);
    expect(rows).toHaveLength(1);
  });

  test('ten concurrent copies from a new number store one message, one contact, one conversation', async () => {
    const sid = messageSid();
    const from = randomUsPhone();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => t.postInboundSms({ MessageSid: sid, From: from, Body: 'concurrent' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const messages = await queryRows(
      t.database.url,
      'select 1 from messages where provider_message_id = $1',
      [sid],
    );
    const identities = await queryRows(
      t.database.url,
      'select 1 from contact_identities where address = $1',
      [from],
    );
    const conversations = await queryRows(
      t.database.url,
      'select c.id from conversations c join contact_identities i on i.contact_id = c.contact_id where i.address = $1',
      [from],
    );
    const orphanContacts = await queryRows(
      t.database.url,
      'select 1 from contacts c where not exists (select 1 from contact_identities i where i.contact_id = c.id)',
    );
    expect(messages).toHaveLength(1);
    expect(identities).toHaveLength(1);
    expect(conversations).toHaveLength(1);
    expect(orphanContacts).toHaveLength(0);
  });

  test('concurrent first messages with different sids from one new number share one contact and conversation', async () => {
    const from = randomUsPhone();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.postInboundSms({ From: from, Body: `burst ${i}` }).expect(200)),
    );
    const rows = await queryRows<{ n: string }>(
      t.database.url,
      "select count(distinct conversation_id) as n from messages where body like 'burst %' and from_address = $1",
      [from],
    );
    expect(rows[0]!.n).toBe('1');
  });
});

describe('staff API authentication', () => {
  test.each([
    ['GET', '/api/v1/conversations'],
    ['GET', '/api/v1/conversations/00000000-0000-4000-8000-000000000000'],
    ['POST', '/api/v1/conversations/00000000-0000-4000-8000-000000000000/messages'],
  ])('%s %s without a token: 401', async (method, path) => {
    const res = await request(t.hub.url)[method === 'GET' ? 'get' : 'post'](path).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  test('a forged token: 401; a wrong password: 401; the right one: a token', async () => {
    await request(t.hub.url)
      .get('/api/v1/conversations')
      .set('Authorization', `Bearer ${'x'.repeat(43)}`)
      .expect(401);
    const bad = await request(t.hub.url)
      .post('/api/v1/auth/login')
      .send({ email: 'admin@clinic.test', password: 'wrong-password' })
      .expect(401);
    expect(bad.body.error.code).toBe('invalid_credentials');
    expect(typeof (await t.staffToken())).toBe('string');
  });

  test('logout revokes the token', async () => {
    const login = await request(t.hub.url)
      .post('/api/v1/auth/login')
      .send({ email: 'admin@clinic.test', password: 'correct-horse-battery' })
      .expect(200);
    const auth = `Bearer ${login.body.token}`;
    await request(t.hub.url).get('/api/v1/conversations').set('Authorization', auth).expect(200);
    await request(t.hub.url).post('/api/v1/auth/logout').set('Authorization', auth).expect(204);
    await request(t.hub.url).get('/api/v1/conversations').set('Authorization', auth).expect(401);
  });

  test('reading a conversation writes an audit entry naming the staff member', async () => {
    const from = randomUsPhone();
    await t.postInboundSms({ From: from, Body: 'audit me' }).expect(200);
    const [row] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      "select conversation_id from messages where body = 'audit me'",
    );
    const token = await t.staffToken();
    await request(t.hub.url)
      .get(`/api/v1/conversations/${row!.conversation_id}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const audits = await queryRows<{ action: string; actor_kind: string; actor_id: string }>(
      t.database.url,
      "select action, actor_kind, actor_id from audit_log where subject_id = $1 and action = 'conversation.read'",
      [row!.conversation_id],
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actor_kind).toBe('staff');
    await expect(queryRows(t.database.url, 'delete from audit_log')).rejects.toThrow(/append-only/);
  });

  test('an unknown conversation id: 404; a malformed one: 400', async () => {
    const token = await t.staffToken();
    await request(t.hub.url)
      .get('/api/v1/conversations/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${token}`)
      .expect(404);
    await request(t.hub.url)
      .get('/api/v1/conversations/nope')
      .set('Authorization', `Bearer ${token}`)
      .expect(400);
  });

  test('conversations page by cursor, newest activity first, without repeats', async () => {
    const token = await t.staffToken();
    for (let i = 0; i < 5; i += 1)
      await t.postInboundSms({ From: randomUsPhone(), Body: `page ${i}` }).expect(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    let lastTime = Number.POSITIVE_INFINITY;
    do {
      const res: request.Response = await request(t.hub.url)
        .get('/api/v1/conversations')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      for (const c of res.body.conversations as { id: string; lastActivityAt: string }[]) {
        expect(Date.parse(c.lastActivityAt)).toBeLessThanOrEqual(lastTime);
        lastTime = Date.parse(c.lastActivityAt);
        seen.push(c.id);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const total = await queryRows(t.database.url, 'select 1 from conversations');
    expect(seen).toHaveLength(total.length);
  });
});

test('with Twilio credentials the sandbox endpoint is refused: 404', async () => {
  const res = await request(t.hub.url)
    .post('/api/v1/sandbox/sms/inbound')
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .send({ from: randomUsPhone(), body: 'hi' })
    .expect(404);
  expect(res.body.error.code).toBe('sandbox_unavailable');
});
