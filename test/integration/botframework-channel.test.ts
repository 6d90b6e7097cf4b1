import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  channelClaims,
  newSigningKey,
  signToken,
  startOpenIdStandIn,
} from '../support/botframework-token-issuer';
import { LogCapture } from '../support/log-capture';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

interface ReceivedActivity {
  path: string;
  conversationId: string;
  authorization: string | undefined;
  activity: { type?: string; text?: string; replyToId?: string; conversation?: { id?: string } };
}

/**
 * Stands in for the Bot Framework connector at a local serviceUrl: it takes the activities the bot
 * sends (`POST /v3/conversations/:id/activities[/:replyToId]`), keeps them, and answers with an id.
 * Every request that reaches it, on any path, is also kept in `requests`.
 */
async function startConnectorStandIn() {
  const received: ReceivedActivity[] = [];
  const requests: { method: string; path: string; body: string }[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/[^/]+)?$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      received.push({
        path: req.url ?? '',
        conversationId: decodeURIComponent(match[1]!),
        authorization: req.headers.authorization,
        activity: JSON.parse(body),
      });
      next += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sent-${next}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let connector: Awaited<ReturnType<typeof startConnectorStandIn>>;
let t: TestHub;

const emulatorLogs = new LogCapture();

beforeAll(async () => {
  connector = await startConnectorStandIn();
  t = await startTestHub({
    env: { BOTFRAMEWORK_EMULATOR: 'true' },
    logs: { level: 'info', destination: emulatorLogs },
  });
});
afterAll(async () => {
  await t?.stop();
  await connector?.close();
});

/** An activity shaped the way the Emulator and the connector post it. */
function activity(overrides: Record<string, unknown> = {}) {
  return {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl: connector.url,
    from: { id: `user-${randomUUID().slice(0, 8)}`, name: 'Ana Patient', role: 'user' },
    conversation: { id: `${randomUUID()}|livechat` },
    recipient: { id: 'careline-bot', name: 'CareLine', role: 'bot' },
    locale: 'en-US',
    text: 'Can I get a refill of my inhaler?',
    ...overrides,
  };
}

const post = (body: unknown, hub: TestHub = t) =>
  request(hub.hub.url)
    .post('/api/messages')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));

interface MessageRow extends Record<string, unknown> {
  id: string;
  conversation_id: string;
  contact_id: string;
  body: string;
  from_address: string;
  provider_message_id: string;
  channel_meta: Record<string, unknown>;
  triage: Record<string, unknown> | null;
}

const botMessages = (hub: TestHub, where: string, params: unknown[]) =>
  queryRows<MessageRow>(
    hub.database.url,
    `select id, conversation_id, contact_id, body, from_address, provider_message_id, channel_meta, triage
       from messages where channel = 'botframework' and ${where}`,
    params,
  );

describe('Bot Framework inbound in the Emulator mode (BOTFRAMEWORK_EMULATOR=true, no app id)', () => {
  test('the start says loudly that activities are accepted unauthenticated', () => {
    const warning = emulatorLogs
      .entries()
      .find((e) => e.channel === 'botframework' && String(e.msg).includes('UNAUTHENTICATED'));
    expect(warning).toMatchObject({ level: 40 });
    expect(String(warning!.msg)).toContain('BOTFRAMEWORK_EMULATOR=true');
  });

  test('a message activity lands in a conversation on the botframework channel and is triaged', async () => {
    const sent = activity();
    await post(sent).expect(200);
    const address = `emulator:${sent.conversation.id}`;
    const [row] = await botMessages(t, 'from_address = $1', [address]);
    expect(row).toMatchObject({
      body: 'Can I get a refill of my inhaler?',
      provider_message_id: `${address}|${sent.id}`,
    });
    expect(row!.channel_meta).toMatchObject({
      channelId: 'emulator',
      activityId: sent.id,
      conversationId: sent.conversation.id,
      user: { id: sent.from.id, name: 'Ana Patient' },
    });
    const triaged = await eventually(async () => {
      const [again] = await botMessages(t, 'id = $1', [row!.id]);
      return again?.triage ?? null;
    });
    expect(triaged.queue).toBe('refills');

    const api = await t.api();
    const detail = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    expect(detail.body.conversation.contact.identities).toEqual([
      { kind: 'botframework', address, display: 'Bot Framework chat', undeliverable: false },
    ]);
  });

  test('a redelivered activity id is stored once', async () => {
    const sent = activity({ text: 'duplicate please' });
    await post(sent).expect(200);
    await post(sent).expect(200);
    const rows = await botMessages(t, 'provider_message_id = $1', [
      `emulator:${sent.conversation.id}|${sent.id}`,
    ]);
    expect(rows).toHaveLength(1);
  });

  test('conversationUpdate and typing are answered 200 and store nothing', async () => {
    const conversation = { id: `${randomUUID()}|livechat` };
    await post(
      activity({ type: 'conversationUpdate', conversation, text: undefined, membersAdded: [{ id: 'x' }] }),
    ).expect(200);
    await post(activity({ type: 'typing', conversation, text: undefined })).expect(200);
    expect(await botMessages(t, 'from_address = $1', [`emulator:${conversation.id}`])).toHaveLength(0);
  });

  test.each([
    ['no conversation', { conversation: undefined }],
    ['no serviceUrl', { serviceUrl: undefined }],
    ['a serviceUrl that is not http(s)', { serviceUrl: 'file:///etc/passwd' }],
    ['a message without an id', { id: undefined }],
    ['a message without text or attachments', { text: '  ' }],
  ])('a malformed activity (%s) gets 400 and stores nothing', async (_name, overrides) => {
    const marker = `malformed ${randomUUID()}`;
    const res = await post(activity({ text: marker, ...overrides })).expect(400);
    expect(res.body.error.code).toBe('malformed_activity');
    const rows = await queryRows(t.database.url, 'select 1 from messages where body = $1', [marker]);
    expect(rows).toHaveLength(0);
  });

  test('a body that is not a JSON object gets 400', async () => {
    const res = await post([1, 2, 3]).expect(400);
    expect(res.body.error.code).toBe('malformed_activity');
  });

  test('a new user under the full name of a contact on file: a possible duplicate for staff, never a merge', async () => {
    const api = await t.api();
    const onFile = await api
      .post('/contacts', { name: 'Ana María López', phone: randomUsPhone() })
      .expect(201);
    const duplicatesOf = async (contactId: string) =>
      (await api.get(`/contacts/${contactId}/duplicates`).expect(200)).body.duplicates as {
        contact: { id: string };
        reason: string;
      }[];

    const sameName = activity({ from: { id: 'user-same-name', name: 'Ana Maria Lopez', role: 'user' } });
    await post(sameName).expect(200);
    const [row] = await eventually(async () => {
      const rows = await botMessages(t, 'from_address = $1', [`emulator:${sameName.conversation.id}`]);
      return rows.length > 0 ? rows : null;
    });
    expect(row!.contact_id).not.toBe(onFile.body.contact.id);
    const suggestions = await eventually(async () => {
      const found = await duplicatesOf(row!.contact_id);
      return found.length > 0 ? found : null;
    });
    expect(suggestions).toEqual([
      expect.objectContaining({
        reason: 'same_display_name',
        contact: expect.objectContaining({ id: onFile.body.contact.id }),
      }),
    ]);

    // One word is not a name to match people on.
    const firstNameOnly = activity({ from: { id: 'user-first-name', name: 'Ana', role: 'user' } });
    await post(firstNameOnly).expect(200);
    const [other] = await eventually(async () => {
      const rows = await botMessages(t, 'from_address = $1', [`emulator:${firstNameOnly.conversation.id}`]);
      return rows.length > 0 ? rows : null;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await duplicatesOf(other!.contact_id)).toEqual([]);
  });
});

describe('Bot Framework staff replies', () => {
  test('a staff reply goes back proactively to the connector, into the same conversation', async () => {
    const sent = activity({ text: 'Is the clinic open on Saturday?' });
    await post(sent).expect(200);
    const address = `emulator:${sent.conversation.id}`;
    const [inbound] = await botMessages(t, 'from_address = $1', [address]);

    const body = `Yes, 9 to 12. ${randomUUID()}`;
    const api = await t.api();
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);

    const got = await eventually(async () => connector.received.find((r) => r.activity.text === body));
    expect(got.conversationId).toBe(sent.conversation.id);
    expect(got.path).toBe(`/v3/conversations/${encodeURIComponent(sent.conversation.id)}/activities`);
    expect(got.activity).toMatchObject({ type: 'message', conversation: { id: sent.conversation.id } });
    // Sandbox: no app id, so no token was asked for and none is sent.
    expect(got.authorization).toBeUndefined();

    const [outbound] = await eventually(async () => {
      const rows = await queryRows<{
        status: string;
        provider_message_id: string | null;
        to_address: string;
      }>(t.database.url, 'select status, provider_message_id, to_address from messages where body = $1', [
        body,
      ]);
      return rows[0]?.provider_message_id ? rows : null;
    });
    expect(outbound).toMatchObject({ status: 'sent', to_address: address });
    expect(outbound!.provider_message_id).toMatch(new RegExp(`^${escapeRegExp(address)}\\|sent-\\d+$`));
  });

  test("a template reply: the composer's preview is the text the connector receives", async () => {
    const sent = activity({ text: 'Did my attachment arrive?' });
    await post(sent).expect(200);
    const [inbound] = await botMessages(t, 'from_address = $1', [`emulator:${sent.conversation.id}`]);
    const conversationId = inbound!.conversation_id;
    // Templates have no Bot Framework wording; this one's first body is the email one.
    const reply = {
      template: 'attachment-refused',
      variables: { clinicName: 'Riverside Clinic', count: 2, limitMegabytes: 10 },
    };
    const api = await t.api();
    const preview = await api.post('/policy/check', { conversationId, ...reply }).expect(200);
    await api.post(`/conversations/${conversationId}/messages`, reply).expect(202);
    const got = await eventually(async () =>
      connector.received.find(
        (r) => r.conversationId === sent.conversation.id && r.activity.text?.includes('attachments'),
      ),
    );
    expect(preview.body.rendered.text).toBe(got.activity.text);
  });

  test('in sandbox mode a reply to a conversation whose serviceUrl is not local is recorded, not sent', async () => {
    const sent = activity({
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      text: 'hello from far away',
    });
    await post(sent).expect(200);
    const [inbound] = await botMessages(t, 'from_address = $1', [`emulator:${sent.conversation.id}`]);
    const body = `Recorded only ${randomUUID()}`;
    const api = await t.api();
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);
    const [outbound] = await eventually(async () => {
      const rows = await queryRows<{ status: string; channel_meta: Record<string, unknown> }>(
        t.database.url,
        'select status, channel_meta from messages where body = $1',
        [body],
      );
      return rows[0]?.status === 'delivered' ? rows : null;
    });
    expect(outbound!.channel_meta).toMatchObject({ sandbox: true, notSent: 'service_url_not_local' });
    expect(connector.received.find((r) => r.activity.text === body)).toBeUndefined();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An HS256 JWT: well formed, but signed by nobody the Bot Framework trusts. */
function forgedToken(issuer: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const payload = encode({
    iss: issuer,
    aud: 'not-our-app',
    serviceurl: 'http://127.0.0.1:1',
    exp: Math.floor(Date.now() / 1000) + 600,
  });
  const signature = createHmac('sha256', 'guessed').update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Waits until the outbound message with `body` has a final status, and returns it. */
async function finalOutbound(hub: TestHub, body: string) {
  const [row] = await eventually(async () => {
    const rows = await queryRows<{
      status: string;
      error_code: string | null;
      provider_message_id: string | null;
      channel_meta: Record<string, unknown>;
    }>(
      hub.database.url,
      'select status, error_code, provider_message_id, channel_meta from messages where body = $1',
      [body],
    );
    return rows[0] && ['sent', 'delivered', 'failed'].includes(rows[0].status) ? rows : null;
  });
  return row!;
}

describe('Bot Framework replies go only to allowed service URLs (Emulator mode)', () => {
  /**
   * Stores a "chest pain" activity from `serviceUrl` (triage answers it with a safety reply) and has
   * staff answer it too; returns both replies once each has its final status.
   */
  async function replyTo(serviceUrl: string) {
    const sent = activity({ serviceUrl, text: 'I have chest pain' });
    await post(sent).expect(200);
    const [inbound] = await botMessages(t, 'from_address = $1', [`emulator:${sent.conversation.id}`]);
    expect(inbound).toBeDefined();
    const body = `Reply ${randomUUID()}`;
    const api = await t.api();
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);
    const [safety] = await eventually(async () => {
      const rows = await queryRows<{ status: string; error_code: string | null; body: string }>(
        t.database.url,
        `select status, error_code, body from messages
          where conversation_id = $1 and automation = 'emergency_safety_reply'`,
        [inbound!.conversation_id],
      );
      return rows[0] && ['sent', 'delivered', 'failed'].includes(rows[0].status) ? rows : null;
    });
    return { body, outbound: await finalOutbound(t, body), safety: safety! };
  }

  test.each([
    ['a path on a local port (an admin-looking route)', () => `${connector.url}/admin/purge`],
    ['a host on the internet', () => 'https://connector.attacker.example/'],
    ['a private network address', () => 'http://10.0.0.5:8080/'],
    ['a look-alike of a Microsoft host', () => 'https://smba.trafficmanager.net.attacker.example/amer/'],
    ['a Microsoft host over plain http', () => 'http://webchat.botframework.com/'],
  ])(
    '%s: the safety reply and the staff reply are refused (service_url_not_allowed), nothing is sent',
    async (_name, url) => {
      const before = connector.requests.length;
      const { body, outbound, safety } = await replyTo(url());
      expect(outbound).toMatchObject({ status: 'failed', error_code: 'service_url_not_allowed' });
      expect(outbound.provider_message_id).toBeNull();
      expect(safety).toMatchObject({ status: 'failed', error_code: 'service_url_not_allowed' });
      // Both sends ran to their end (failed) before this look: any request they made has arrived.
      const reached = connector.requests.slice(before);
      expect(reached.filter((r) => r.body.includes(body) || r.body.includes(safety.body))).toEqual([]);
      expect(reached.filter((r) => r.path.startsWith('/admin'))).toEqual([]);
    },
  );

  test("the Emulator's own connector (a bare loopback origin) gets the reply", async () => {
    const { body, outbound, safety } = await replyTo(connector.url);
    expect(outbound.status).toBe('sent');
    expect(safety.status).toBe('sent');
    expect(connector.received.find((r) => r.activity.text === body)).toBeDefined();
  });
});

describe('Bot Framework is off by default', () => {
  let off: TestHub;
  beforeAll(async () => {
    off = await startTestHub();
  });
  afterAll(async () => {
    await off?.stop();
  });

  test('without MICROSOFT_APP_ID or BOTFRAMEWORK_EMULATOR, /api/messages answers 404 and stores nothing', async () => {
    const sent = activity({ text: `anonymous ${randomUUID()}` });
    const res = await post(sent, off).expect(404);
    expect(res.body.error.code).toBe('botframework_disabled');
    expect(
      await queryRows(off.database.url, 'select 1 from messages where body = $1', [sent.text]),
    ).toHaveLength(0);
    expect(off.hub.channels.get('botframework')?.sandbox).toBe(true);
  });
});

describe('/api/messages is rate limited per client address', () => {
  let limited: TestHub;
  beforeAll(async () => {
    limited = await startTestHub({
      // The hub is reached through a proxy on loopback that names the client in X-Forwarded-For.
      env: { BOTFRAMEWORK_EMULATOR: 'true', BOTFRAMEWORK_MESSAGES_PER_MINUTE: '3', TRUST_PROXY: 'loopback' },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  const postFrom = (client: string, body: unknown) =>
    request(limited.hub.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .set('X-Forwarded-For', client)
      .send(JSON.stringify(body));

  test('past the limit a client gets 429 with Retry-After and nothing stored; another client is not affected', async () => {
    for (let i = 0; i < 3; i += 1) await postFrom('203.0.113.7', activity()).expect(200);
    const refused = activity({ text: `over the limit ${randomUUID()}` });
    const res = await postFrom('203.0.113.7', refused).expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      await queryRows(limited.database.url, 'select 1 from messages where body = $1', [refused.text]),
    ).toHaveLength(0);

    const other = activity({ text: `another client ${randomUUID()}` });
    await postFrom('198.51.100.20', other).expect(200);
    expect(
      await queryRows(limited.database.url, 'select 1 from messages where body = $1', [other.text]),
    ).toHaveLength(1);
  });
});

describe('Bot Framework with MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD set', () => {
  const appId = randomUUID();
  const trusted = newSigningKey();
  let openId: Awaited<ReturnType<typeof startOpenIdStandIn>>;
  let otherConnector: Awaited<ReturnType<typeof startConnectorStandIn>>;
  let secured: TestHub;
  beforeAll(async () => {
    openId = await startOpenIdStandIn([trusted], ['msteams', 'emulator']);
    otherConnector = await startConnectorStandIn();
    secured = await startTestHub({
      env: {
        MICROSOFT_APP_ID: appId,
        MICROSOFT_APP_PASSWORD: 'app-password-for-tests',
        BOTFRAMEWORK_OPENID_METADATA_URL: openId.metadataUrl,
        BOTFRAMEWORK_SERVICE_URLS: connector.url,
      },
    });
  });
  afterAll(async () => {
    await secured?.stop();
    await openId?.close();
    await otherConnector?.close();
  });

  const teamsActivity = (overrides: Record<string, unknown> = {}) =>
    activity({ channelId: 'msteams', text: `signed ${randomUUID()}`, ...overrides });

  const postSigned = (sent: unknown, authorization: string | null) => {
    const req = request(secured.hub.url).post('/api/messages').set('Content-Type', 'application/json');
    return (authorization ? req.set('Authorization', authorization) : req).send(JSON.stringify(sent));
  };

  const storedBodies = async (text: string) =>
    queryRows(secured.database.url, 'select 1 from messages where body = $1', [text]);

  test('a token signed by the published keys, for this app and this service URL, is accepted and the activity stored', async () => {
    const sent = teamsActivity();
    const token = signToken(channelClaims(appId, sent.serviceUrl), trusted);
    await postSigned(sent, `Bearer ${token}`).expect(200);
    const [row] = await botMessages(secured, 'from_address = $1', [`msteams:${sent.conversation.id}`]);
    expect(row).toMatchObject({ body: sent.text });
    expect(openId.fetches()).toBeGreaterThan(0);
  });

  test.each([
    ['no Authorization header', () => null, 'token_missing'],
    ['another scheme', () => 'Basic dXNlcjpwYXNz', 'token_missing'],
    ['a bearer that is not a JWT', () => 'Bearer not-a-jwt', 'token_invalid'],
    [
      'an HS256 JWT from an issuer nobody trusts',
      () => `Bearer ${forgedToken('https://issuer.example')}`,
      'token_invalid',
    ],
    [
      'a token signed by other keys under a published key id',
      (url: string) => `Bearer ${signToken(channelClaims(appId, url), { ...newSigningKey(trusted.kid) })}`,
      'token_invalid',
    ],
    [
      'a token signed by other keys under a key id nobody published',
      (url: string) => `Bearer ${signToken(channelClaims(appId, url), newSigningKey())}`,
      'token_invalid',
    ],
    [
      'an expired token',
      (url: string) => {
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${signToken(channelClaims(appId, url, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }), trusted)}`;
      },
      'token_invalid',
    ],
    [
      'a token for another app',
      (url: string) => `Bearer ${signToken(channelClaims(randomUUID(), url), trusted)}`,
      'token_invalid',
    ],
    [
      'a token from another issuer',
      (url: string) =>
        `Bearer ${signToken(channelClaims(appId, url, { iss: 'https://sts.example/' }), trusted)}`,
      'token_invalid',
    ],
    [
      'a token for another service URL',
      () => `Bearer ${signToken(channelClaims(appId, 'https://smba.trafficmanager.net/emea/'), trusted)}`,
      'token_invalid',
    ],
  ])('%s: 401 and nothing stored', async (_name, authorization, code) => {
    const sent = teamsActivity();
    const res = await postSigned(sent, authorization(sent.serviceUrl)).expect(401);
    expect(res.body.error.code).toBe(code);
    expect(await storedBodies(sent.text)).toHaveLength(0);
  });

  test('a signed activity naming a local service URL outside BOTFRAMEWORK_SERVICE_URLS: stored, the reply refused', async () => {
    const sent = teamsActivity({ serviceUrl: otherConnector.url });
    const token = signToken(channelClaims(appId, sent.serviceUrl), trusted);
    await postSigned(sent, `Bearer ${token}`).expect(200);
    const [inbound] = await botMessages(secured, 'from_address = $1', [`msteams:${sent.conversation.id}`]);
    const body = `Reply ${randomUUID()}`;
    const api = await secured.api();
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);
    expect(await finalOutbound(secured, body)).toMatchObject({
      status: 'failed',
      error_code: 'service_url_not_allowed',
    });
    expect(otherConnector.requests).toEqual([]);
  });

  test('the hub says the channel is live, not sandboxed', () => {
    expect(secured.hub.channels.get('botframework')?.sandbox).toBe(false);
    expect(t.hub.channels.get('botframework')?.sandbox).toBe(true);
  });
});
