import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

/**
 * Security issue 11, item 1: one message must not freeze the hub. Each channel gets the input that
 * cost the old red-flag scan the most ("chest pain" over and over: one match per two words, each
 * match walking the text again) at that channel's size limit, and the hub's event loop (this
 * process: the hub runs in it) is watched from the request until triage has stored its decision.
 * The same path with a short message, measured just before, is the baseline. Before triage ran on
 * worker threads with a linear scan, these stalled the loop for seconds (28,000 characters: minutes).
 */

// Generous: a loaded two-core machine stalls for tens of milliseconds on its own; the old code's
// stalls were seconds. The precise figure per input is in `npm run bench:stall` (BENCHMARKS.md).
const MAX_EXTRA_STALL_MS = 250;

const SECRET = 'email-webhook-secret-0123456789';
const DOMAIN = 'mail.clinic.test';
const SMS_LIMIT = 1600;
const WEBCHAT_LIMIT = 2000;
const BOTFRAMEWORK_LIMIT = 28_000;
const CLASSIFY_LIMIT = 100_000;
// Ten times what triage reads: what is beyond the cap must cost nothing either. (At the 10 MB the
// email listener accepts, parsing the MIME and cutting the quote cost the loop more than triage
// does: see BENCHMARKS.md.)
const EMAIL_CHARS = 200_000;

// The baseline: the same path (an emergency, its safety reply) with a short text.
const SHORT_EMERGENCY = 'I have chest pain';
const worst = (chars: number) =>
  'chest pain '
    .repeat(Math.ceil(chars / 11))
    .slice(0, chars)
    .trimEnd();

let t: TestHub;
let inboundPort: number;
let connector: http.Server;
const sockets: Socket[] = [];

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  inboundPort = await freePort();
  // Takes the bot's replies (the emergency safety message) the way the Bot Framework connector does.
  connector = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"reply-1"}'));
  });
  await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', () => resolve()));
  t = await startTestHub({
    env: {
      SMTP_INBOUND_PORT: String(inboundPort),
      EMAIL_INBOUND_SECRET: SECRET,
      EMAIL_INBOUND_DOMAINS: DOMAIN,
      EMAIL_REPLY_DOMAIN: DOMAIN,
      CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00',
      // Anonymous activities, as the issue sent them (the Emulator mode; the connector is on loopback).
      BOTFRAMEWORK_EMULATOR: 'true',
    },
  });
  // The first emergency compiles templates and warms the paths; no measurement includes that.
  const sid = `SM${randomUUID().replace(/-/g, '')}`;
  await t.postInboundSms({ From: randomUsPhone(), Body: SHORT_EMERGENCY, MessageSid: sid }).expect(200);
  await triaged('provider_message_id = $1', [sid]);
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t?.stop();
  await new Promise((resolve) => connector?.close(resolve));
});

/** The longest the hub's event loop was held while `run` went from request to stored triage. */
async function maxStallMs(run: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  try {
    await run();
  } finally {
    delay.disable();
  }
  return delay.max / 1e6;
}

async function triaged(where: string, params: unknown[]) {
  return eventually(async () => {
    const [row] = await queryRows<{ triage: { intent: string; reasons: string[] } | null }>(
      t.database.url,
      `select triage from messages where direction = 'inbound' and ${where}`,
      params,
    );
    return row?.triage ?? null;
  }, 60_000);
}

interface Comparison {
  baseline: number;
  stall: number;
  decided: { intent: string; reasons: string[] };
  /** Every try's baseline and stall (ms), in order. */
  tries: [number, number][];
}

/**
 * Baseline with a short message, then the worst case at the limit, on the same path; tried again,
 * up to three times in all, while the worst case stalls more than the allowance. A stall of the code
 * (the old scan's seconds) comes back on every try; a moment of a loaded machine (another suite's
 * browser starting) does not, and the best try is the code's.
 */
async function compare(
  send: (text: string) => Promise<{ intent: string; reasons: string[] }>,
  worstText: string,
): Promise<Comparison> {
  const tries: [number, number][] = [];
  let best: Comparison | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const baseline = await maxStallMs(() => send(SHORT_EMERGENCY));
    let decided: { intent: string; reasons: string[] } | undefined;
    const stall = await maxStallMs(async () => {
      decided = await send(worstText);
    });
    tries.push([baseline, stall]);
    if (!best || stall - baseline < best.stall - best.baseline)
      best = { baseline, stall, decided: decided!, tries };
    if (stall < baseline + MAX_EXTRA_STALL_MS) break;
  }
  return best!;
}

function expectNoStall(result: Comparison) {
  const tries = result.tries
    .map(([b, s]) => `stall ${s.toFixed(1)} ms, baseline ${b.toFixed(1)} ms`)
    .join('; ');
  process.stdout.write(`${tries}\n`);
  expect(result.stall).toBeLessThan(result.baseline + MAX_EXTRA_STALL_MS);
}

test(`an SMS webhook body at its ${SMS_LIMIT}-character limit does not stall the hub`, async () => {
  const result = await compare(async (text) => {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await t.postInboundSms({ From: randomUsPhone(), Body: text, MessageSid: sid }).expect(200);
    return triaged('provider_message_id = $1', [sid]);
  }, worst(SMS_LIMIT));
  expect(result.decided.intent).toBe('emergency');
  expectNoStall(result);
});

test(`a Bot Framework activity at its ${BOTFRAMEWORK_LIMIT}-character limit does not stall the hub`, async () => {
  const result = await compare(async (text) => {
    const id = randomUUID();
    await request(t.hub.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          type: 'message',
          id,
          timestamp: new Date().toISOString(),
          channelId: 'emulator',
          serviceUrl: `http://127.0.0.1:${(connector.address() as AddressInfo).port}`,
          from: { id: `user-${randomUUID().slice(0, 8)}`, role: 'user' },
          conversation: { id: `${randomUUID()}|livechat` },
          recipient: { id: 'careline-bot', role: 'bot' },
          text,
        }),
      )
      .expect((res) => expect(res.status).toBeLessThan(300));
    return triaged("channel = 'botframework' and provider_message_id like $1", [`%${id}%`]);
  }, worst(BOTFRAMEWORK_LIMIT));
  expect(result.decided.intent).toBe('emergency');
  // Past the cap the text is stored, but triage says it did not read it.
  expect(result.decided.reasons.join(' ')).toMatch(/first 20,000 characters; the last 8,000 were not read/);
  expectNoStall(result);
});

test(`a web chat message at its ${WEBCHAT_LIMIT}-character cap does not stall the hub`, async () => {
  const socket = connect(`${t.hub.url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const session = new Promise<string>((resolve) =>
    socket.on('session', (payload: { token: string }) => resolve(payload.token.split('.')[0]!)),
  );
  const sessionId = await session;
  const result = await compare(async (text) => {
    const clientId = randomUUID();
    const ack = (await socket.timeout(30_000).emitWithAck('message', { clientId, body: text })) as {
      ok?: boolean;
      error?: unknown;
    };
    expect(ack.error).toBeUndefined();
    return triaged("channel = 'webchat' and provider_message_id = $1", [`${sessionId}:${clientId}`]);
  }, worst(WEBCHAT_LIMIT));
  expect(result.decided.intent).toBe('emergency');
  expectNoStall(result);
});

test(`an email of ${EMAIL_CHARS.toLocaleString('en-US')} characters over SMTP and over the webhook does not stall the hub`, async () => {
  const overSmtp = async (text: string) => {
    const from = `patient.${randomUUID().slice(0, 8)}@example.org`;
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: inboundPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await client.sendMail({ from, to: `frontdesk@${DOMAIN}`, subject: 'Help', text });
    } finally {
      client.close();
    }
    return triaged("channel = 'email' and from_address = $1", [from]);
  };
  const overWebhook = async (text: string) => {
    const from = `patient.${randomUUID().slice(0, 8)}@example.org`;
    // One paragraph with no line break, base64-encoded as mail clients send long lines: line breaks
    // would split it into short segments, each cheap even for the old scan.
    const encoded = Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = [
      `From: ${from}`,
      `To: frontdesk@${DOMAIN}`,
      'Subject: Help',
      `Message-ID: <${randomUUID()}@example.org>`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      encoded,
    ].join('\r\n');
    await request(t.hub.url)
      .post('/webhooks/email/inbound')
      .set('Content-Type', 'message/rfc822')
      .set('X-CareLine-Email-Secret', SECRET)
      .send(raw)
      .expect((res) => expect(res.status).toBeLessThan(300));
    return triaged("channel = 'email' and from_address = $1", [from]);
  };
  for (const send of [overSmtp, overWebhook]) {
    const result = await compare(send, worst(EMAIL_CHARS));
    expect(result.decided.intent).toBe('emergency');
    expectNoStall(result);
  }
});

test('an HTML-only email full of unclosed tags over the webhook does not stall the hub', async () => {
  // The quote finder once re-read the rest of the message from every "<": 60 KB of "<a " took 11 s.
  const result = await compare(async (text) => {
    const from = `patient.${randomUUID().slice(0, 8)}@example.org`;
    const html = `<p>${text}</p>${text.length > 100 ? '<a '.repeat(10_000) : ''}`;
    const raw = [
      `From: ${from}`,
      `To: frontdesk@${DOMAIN}`,
      'Subject: Help',
      `Message-ID: <${randomUUID()}@example.org>`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n'),
    ].join('\r\n');
    await request(t.hub.url)
      .post('/webhooks/email/inbound')
      .set('Content-Type', 'message/rfc822')
      .set('X-CareLine-Email-Secret', SECRET)
      .send(raw)
      .expect((res) => expect(res.status).toBeLessThan(300));
    return triaged("channel = 'email' and from_address = $1", [from]);
  }, `${SHORT_EMERGENCY}, it started an hour ago and it is getting worse`);
  expect(result.decided.intent).toBe('emergency');
  expectNoStall(result);
});

test(`POST /api/v1/triage/classify at its ${CLASSIFY_LIMIT.toLocaleString('en-US')}-character limit does not stall the hub`, async () => {
  const api = await t.api();
  const result = await compare(async (text) => {
    const res = await api.post('/triage/classify', { text }).expect(200);
    return res.body as { intent: string; reasons: string[] };
  }, worst(CLASSIFY_LIMIT));
  expect(result.decided.intent).toBe('emergency');
  expectNoStall(result);
});
