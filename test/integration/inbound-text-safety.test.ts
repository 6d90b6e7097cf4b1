import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { LogCapture } from '../support/log-capture';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

/**
 * Text PostgreSQL refuses (NUL, lone surrogates) in any channel is stored replaced and acknowledged;
 * a message that does fail never fails the others of its batch; and no failed query puts patient
 * text into the log.
 */

const SECRET = 'email-webhook-secret-0123456789';
const DOMAIN = 'mail.clinic.test';
const REPLACED = '\uFFFD';

let t: TestHub;
let smtpPort: number;
const logs = new LogCapture();
/** Every body, name, phone number, email address and date of birth the patients of this file sent. */
const patientText: string[] = [];
const sockets: Socket[] = [];

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  smtpPort = await freePort();
  t = await startTestHub({
    env: {
      BOTFRAMEWORK_EMULATOR: 'true',
      SMTP_INBOUND_PORT: String(smtpPort),
      EMAIL_INBOUND_SECRET: SECRET,
      EMAIL_INBOUND_DOMAINS: DOMAIN,
      CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00',
    },
    logs: { level: 'debug', destination: logs },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t?.stop();
});

/** A unique marker inside the body, to find the row; the rest is what PostgreSQL refuses. */
const marker = () => `m${randomUUID().slice(0, 8)}`;

async function bodiesLike(channel: string, mark: string) {
  return queryRows<{ body: string; channel_meta: Record<string, unknown> }>(
    t.database.url,
    'select body, channel_meta from messages where channel = $1 and body like $2',
    [channel, `%${mark}%`],
  );
}

test('SMS: a NUL and a lone surrogate in the body are stored replaced, and the webhook answers 200', async () => {
  const mark = marker();
  const phone = randomUsPhone();
  const body = `Refill\u0000 please ${mark} \uD83D for my inhaler`;
  patientText.push(body, phone);
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const [row] = await bodiesLike('sms', mark);
  expect(row?.body).toBe(`Refill${REPLACED} please ${mark} ${REPLACED} for my inhaler`);
});

test('email over the webhook: a NUL in the body and in the sender name is stored replaced, 200', async () => {
  const mark = marker();
  const address = `ana.${mark}@example.org`;
  patientText.push(address);
  const raw = [
    `From: "Ana\u0000 Lopez" <${address}>`,
    `To: frontdesk@${DOMAIN}`,
    `Subject: Question ${mark}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    '',
    `My results\u0000 please ${mark}`,
    '',
  ].join('\r\n');
  await request(t.hub.url)
    .post('/webhooks/email/inbound')
    .set('Content-Type', 'message/rfc822')
    .set('X-CareLine-Email-Secret', SECRET)
    .send(raw)
    .expect(200);
  const [row] = await bodiesLike('email', mark);
  expect(row?.body).toContain(`My results${REPLACED} please ${mark}`);
  expect(row?.body).not.toContain('\u0000');
  expect(JSON.stringify(row?.channel_meta)).not.toContain('\\u0000');
});

test('email over SMTP: a NUL in the text is stored replaced and the message accepted (250)', async () => {
  const mark = marker();
  const address = `luis.${mark}@example.org`;
  patientText.push(address);
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  const info = await client
    .sendMail({
      from: `"Luis\u0000 Ortega" <${address}>`,
      to: `frontdesk@${DOMAIN}`,
      subject: `Hello ${mark}`,
      text: `Can I come\u0000 in today? ${mark}`,
    })
    .finally(() => client.close());
  expect(info.response).toMatch(/^250/);
  const [row] = await eventually(async () => {
    const rows = await bodiesLike('email', mark);
    return rows.length > 0 ? rows : null;
  });
  expect(row!.body).toContain(`Can I come${REPLACED} in today? ${mark}`);
});

test('web chat: a NUL and a lone surrogate in a message are stored replaced and acknowledged', async () => {
  const socket = connect(`${t.hub.url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('session', () => resolve());
    socket.once('connect_error', reject);
  });
  const mark = marker();
  const body = `Hello\u0000 ${mark} \uDE00 nurse`;
  patientText.push(body);
  const ack = (await socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), body })) as {
    ok: boolean;
  };
  expect(ack.ok).toBe(true);
  const [row] = await bodiesLike('webchat', mark);
  expect(row?.body).toBe(`Hello${REPLACED} ${mark} ${REPLACED} nurse`);
});

test('Bot Framework: a NUL in the text and in the user name is stored replaced, 200', async () => {
  const mark = marker();
  const conversationId = `${randomUUID()}|livechat`;
  await request(t.hub.url)
    .post('/api/messages')
    .set('Content-Type', 'application/json')
    .send(
      JSON.stringify({
        type: 'message',
        id: randomUUID(),
        channelId: 'emulator',
        serviceUrl: 'http://127.0.0.1:9',
        from: { id: 'user-1', name: 'Ana\u0000 Lopez\uD800', role: 'user' },
        conversation: { id: conversationId },
        recipient: { id: 'careline-bot', name: 'CareLine', role: 'bot' },
        text: `Refill\u0000 ${mark}`,
      }),
    )
    .expect(200);
  const [row] = await bodiesLike('botframework', mark);
  expect(row?.body).toBe(`Refill${REPLACED} ${mark}`);
  expect(row?.channel_meta).toMatchObject({
    user: { id: 'user-1', name: `Ana${REPLACED} Lopez${REPLACED}` },
  });
});

describe('a message that fails in a batch', () => {
  const LOCK = 7_151_001;
  let holder: pg.Client;

  beforeAll(async () => {
    // A real failure, raised by PostgreSQL inside the batch's statement: this test's database
    // refuses one marked message, and holds a batch that carries another mark while the test
    // keeps an advisory lock (so the messages sent meanwhile are queued into one batch).
    const admin = new pg.Client({ connectionString: t.database.url });
    await admin.connect();
    await admin.query(`
      create function careline_test_refuse() returns trigger language plpgsql as $$
      begin
        if new.body like '%hold-this-batch%' then perform pg_advisory_xact_lock_shared(${LOCK}); end if;
        if new.body like '%refuse-this-message%' then raise exception 'refused by the test'; end if;
        return new;
      end $$;
      create trigger careline_test_refuse before insert on messages
        for each row execute function careline_test_refuse();`);
    await admin.end();
    holder = new pg.Client({ connectionString: t.database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
  });

  test('only it fails: the others of its batch are stored and acknowledged, and the log names no patient data', async () => {
    await holder.query('select pg_advisory_lock($1)', [LOCK]);
    const held = t.postInboundSms({ From: randomUsPhone(), Body: 'hold-this-batch' }).then((r) => r.status);
    await eventually(async () => {
      const rows = await queryRows(
        t.database.url,
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
        [],
      );
      return rows.length > 0;
    });

    const mark = marker();
    const patients = Array.from({ length: 8 }, (_, i) => ({
      phone: randomUsPhone(),
      body:
        i === 3
          ? `refuse-this-message ${mark} my DOB is 1961-0${(i % 9) + 1}-14`
          : `Chest tightness since noon ${mark}-${i}, DOB 1975-0${(i % 9) + 1}-2${i}`,
    }));
    for (const p of patients) patientText.push(p.phone, p.body);
    const before = await connectionCount();
    const answers = patients.map((p) =>
      t.postInboundSms({ From: p.phone, Body: p.body }).then((r) => r.status),
    );
    // Every request has reached the hub (its connection is open) before the first batch is let go,
    // so they wait in the batcher together.
    await eventually(async () => (await connectionCount()) >= before + patients.length);
    await holder.query('select pg_advisory_unlock($1)', [LOCK]);

    expect(await held).toBe(200);
    const statuses = await Promise.all(answers);
    expect(statuses).toEqual(patients.map((_, i) => (i === 3 ? 500 : 200)));
    const stored = await bodiesLike('sms', mark);
    expect(stored.map((r) => r.body).sort()).toEqual(
      patients
        .filter((_, i) => i !== 3)
        .map((p) => p.body)
        .sort(),
    );

    const batchFailure = logs
      .entries()
      .find((e) => e.msg === 'inbound batch failed; storing its messages one by one');
    expect(batchFailure).toMatchObject({ size: patients.length, err: { sqlState: 'P0001' } });
    expect(batchFailure!.err).toMatchObject({ statement: 'select from careline_store_inbound' });
    const unhandled = logs.entries().find((e) => e.msg === 'unhandled error');
    expect(unhandled).toMatchObject({
      err: { sqlState: 'P0001', message: expect.stringMatching(/^Failed query/) },
    });
  });
});

test('nothing the patients of this file sent reached the log', () => {
  expect(patientText.length).toBeGreaterThan(10);
  expect(logs.lines.length).toBeGreaterThan(10);
  const text = logs.text;
  for (const value of patientText) {
    expect(text).not.toContain(value);
    expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
  }
  for (const fragment of ['1961-0', '1975-0', 'Chest tightness', 'Ana', 'Luis', 'example.org']) {
    expect(text).not.toContain(fragment);
  }
});

function connectionCount(): Promise<number> {
  return new Promise((resolve, reject) =>
    t.hub.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}
