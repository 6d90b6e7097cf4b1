import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

const SECRET = 'email-webhook-secret-0123456789';
const DOMAIN = 'mail.clinic.test';
const WEBHOOK = '/webhooks/email/inbound';

/** A local SMTP server standing in for the clinic's outbound relay: it keeps what the hub sends. */
async function startCaptureServer() {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push(parsed);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let t: TestHub;
let capture: Awaited<ReturnType<typeof startCaptureServer>>;
let inboundPort: number;

beforeAll(async () => {
  capture = await startCaptureServer();
  inboundPort = await freePort();
  t = await startTestHub({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${capture.port}`,
      SMTP_INBOUND_PORT: String(inboundPort),
      EMAIL_INBOUND_SECRET: SECRET,
      EMAIL_INBOUND_DOMAINS: DOMAIN,
      EMAIL_REPLY_DOMAIN: DOMAIN,
      EMAIL_FROM: `"Riverside Clinic" <care@${DOMAIN}>`,
      EMAIL_MAX_ATTACHMENT_BYTES: String(512 * 1024),
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await capture?.close();
});

/** The patient's own mail client, talking SMTP to the hub's listener on loopback. */
function patientMail(message: SendMailOptions) {
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inboundPort,
    secure: false,
    ignoreTLS: true,
  });
  return client.sendMail({ to: `frontdesk@${DOMAIN}`, ...message }).finally(() => client.close());
}

const patientAddress = () => `patient.${randomUUID().slice(0, 8)}@example.org`;

function rawEmail(headers: Record<string, string>, body: string): string {
  const lines = Object.entries({ To: `frontdesk@${DOMAIN}`, Subject: 'Hello', ...headers }).map(
    ([k, v]) => `${k}: ${v}`,
  );
  return `${lines.join('\r\n')}\r\n\r\n${body}\r\n`;
}

const postRaw = (raw: string, secret: string | null = SECRET) => {
  const req = request(t.hub.url).post(WEBHOOK).set('Content-Type', 'message/rfc822');
  return (secret === null ? req : req.set('X-CareLine-Email-Secret', secret)).send(raw);
};

const messagesByProviderId = (id: string) =>
  queryRows<{
    id: string;
    conversation_id: string;
    contact_id: string;
    body: string;
    channel: string;
    from_address: string;
    channel_meta: Record<string, unknown>;
  }>(
    t.database.url,
    'select id, conversation_id, contact_id, body, channel, from_address, channel_meta from messages where provider_message_id = $1',
    [id],
  );

describe('inbound email over SMTP', () => {
  test('a patient email lands in a conversation; quoted history is stripped, the original kept', async () => {
    const from = patientAddress();
    const info = await patientMail({
      from: `Ana Patient <${from.toUpperCase()}>`,
      subject: 'Question',
      text: 'Can I bring my daughter too?\n\nOn Mon, Jun 2, 2025 Riverside Clinic wrote:\n> See you Friday',
    });
    expect(info.response).toMatch(/^250/);
    const [row] = await messagesByProviderId(info.messageId);
    expect(row).toMatchObject({ channel: 'email', from_address: from, body: 'Can I bring my daughter too?' });
    expect(row!.channel_meta.originalText).toContain('> See you Friday');

    const api = await t.api();
    const detail = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    expect(detail.body.conversation.contact.identities).toEqual([
      { kind: 'email', address: from, undeliverable: false },
    ]);
  });

  test('mail for a domain the hub does not serve is refused with 550', async () => {
    await expect(
      patientMail({ from: patientAddress(), to: 'someone@elsewhere.example', text: 'relay me' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  test('an attachment over EMAIL_MAX_ATTACHMENT_BYTES is refused but the message is stored', async () => {
    const info = await patientMail({
      from: patientAddress(),
      text: 'Here is my referral letter',
      attachments: [
        { filename: 'referral.pdf', content: Buffer.alloc(1024 * 1024, 7), contentType: 'application/pdf' },
        { filename: 'card.png', content: Buffer.alloc(2048, 1), contentType: 'image/png' },
      ],
    });
    const [row] = await messagesByProviderId(info.messageId);
    expect(row!.body).toBe('Here is my referral letter');
    expect(row!.channel_meta.attachmentsRefused).toEqual([
      { filename: 'referral.pdf', contentType: 'application/pdf', size: 1024 * 1024, reason: 'too_large' },
    ]);
    expect(row!.channel_meta.attachments).toEqual([
      { filename: 'card.png', contentType: 'image/png', size: 2048 },
    ]);
  });
});

describe('inbound email webhook', () => {
  test('with the secret: stored; without or wrong: 401 and nothing stored', async () => {
    const messageId = `<${randomUUID()}@example.org>`;
    const raw = rawEmail({ From: patientAddress(), 'Message-ID': messageId }, 'Is parking free?');
    await postRaw(raw, null)
      .expect(401)
      .expect((res) => expect(res.body.error.code).toBe('secret_missing'));
    await postRaw(raw, 'wrong-secret-wrong-secret')
      .expect(401)
      .expect((res) => expect(res.body.error.code).toBe('secret_invalid'));
    expect(await messagesByProviderId(messageId)).toHaveLength(0);

    const res = await postRaw(raw).expect(200);
    expect(res.body).toMatchObject({ stored: true, duplicate: false });
    expect((await messagesByProviderId(messageId))[0]?.body).toBe('Is parking free?');
  });

  test('a replayed Message-ID is stored once', async () => {
    const messageId = `<${randomUUID()}@example.org>`;
    const raw = rawEmail({ From: patientAddress(), 'Message-ID': messageId }, 'replayed email');
    await postRaw(raw).expect(200);
    const again = await postRaw(raw).expect(200);
    expect(again.body.duplicate).toBe(true);
    expect(await messagesByProviderId(messageId)).toHaveLength(1);
  });

  test('an auto-reply creates no message', async () => {
    const messageId = `<${randomUUID()}@example.org>`;
    const raw = rawEmail(
      { From: patientAddress(), 'Message-ID': messageId, 'Auto-Submitted': 'auto-replied' },
      'I am out of the office until Monday.',
    );
    const res = await postRaw(raw).expect(200);
    expect(res.body).toEqual({ stored: false, reason: 'auto_reply' });
    expect(await messagesByProviderId(messageId)).toHaveLength(0);
  });

  test('a body that is not MIME with a sender: 400', async () => {
    const res = await postRaw('just some words').expect(400);
    expect(res.body.error.code).toBe('sender_missing');
  });
});

describe('staff replies and threading', () => {
  test('a staff reply goes out over SMTP with a signed reply address; the answer to it is matched', async () => {
    const from = patientAddress();
    const first = await patientMail({ from, text: 'Do you take walk-ins?' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const api = await t.api();
    const body = `Yes, until 4pm. ${randomUUID()}`;
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);

    const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(body)));
    const replyTo = sent.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(
      new RegExp(`^reply\\+[0-9a-f]{32}\\.[0-9a-f]{16}@${DOMAIN.replace(/\./g, '\\.')}$`),
    );
    expect(sent.to && !Array.isArray(sent.to) ? sent.to.value[0]?.address : null).toBe(from);
    expect(sent.subject).toBe(body);
    expect(sent.html).toContain('Yes, until 4pm.');
    const [outbound] = await eventually(async () => {
      const rows = await queryRows<{ id: string; provider_message_id: string | null; status: string }>(
        t.database.url,
        'select id, provider_message_id, status from messages where body = $1',
        [body],
      );
      return rows[0]?.provider_message_id ? rows : null;
    });
    expect(sent.messageId).toBe(`<${outbound!.id}@${DOMAIN}>`);
    expect(outbound!.provider_message_id).toBe(sent.messageId);
    expect(outbound!.status).toBe('sent');

    const answer = await patientMail({
      from,
      to: replyTo,
      subject: `Re: ${sent.subject}`,
      inReplyTo: sent.messageId,
      references: [sent.messageId!],
      text: `Great, see you at 2.\n\nOn Tue, Riverside Clinic <care@${DOMAIN}> wrote:\n> ${body}`,
    });
    const [reply] = await messagesByProviderId(answer.messageId);
    expect(reply).toMatchObject({ conversation_id: inbound!.conversation_id, body: 'Great, see you at 2.' });
    expect(reply!.channel_meta).toMatchObject({
      inReplyTo: sent.messageId,
      replyToken: { address: replyTo, messageId: outbound!.id },
    });
  });

  test('a patient who texted, once given an email on file, lands in the same conversation by email', async () => {
    const phone = randomUsPhone();
    await t.postInboundSms({ From: phone, Body: 'texting first' }).expect(200);
    const [sms] = await queryRows<{ contact_id: string; conversation_id: string }>(
      t.database.url,
      'select contact_id, conversation_id from messages where from_address = $1',
      [phone],
    );
    const email = patientAddress();
    const api = await t.api();
    await api.patch(`/contacts/${sms!.contact_id}`, { email }).expect(200);

    const info = await patientMail({ from: email, text: 'and now by email' });
    const [row] = await messagesByProviderId(info.messageId);
    expect(row).toMatchObject({ contact_id: sms!.contact_id, conversation_id: sms!.conversation_id });
  });
});

describe('bounces', () => {
  test('a hard bounce to our signed reply address marks the address undeliverable and the message undelivered', async () => {
    const from = patientAddress();
    const first = await patientMail({ from, text: 'Please email me my forms.' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const api = await t.api();
    const body = `Forms attached soon. ${randomUUID()}`;
    await api
      .post(`/conversations/${inbound!.conversation_id}/messages`, { body, sensitivity: 'limited' })
      .expect(202);
    const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(body)));
    const replyTo = sent.replyTo?.value[0]?.address ?? '';
    await eventually(async () => {
      const [row] = await queryRows<{ status: string }>(
        t.database.url,
        'select status from messages where body = $1',
        [body],
      );
      return row?.status === 'sent';
    });

    const boundary = 'bounce-boundary';
    const dsn = [
      `From: MAILER-DAEMON@example.org`,
      `To: ${replyTo}`,
      `Subject: Undelivered Mail Returned to Sender`,
      `Message-ID: <${randomUUID()}@example.org>`,
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${from}`,
      'Action: failed',
      'Status: 5.1.1',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await postRaw(dsn).expect(200);

    const [message] = await queryRows<{ status: string; contact_id: string }>(
      t.database.url,
      'select status, contact_id from messages where body = $1',
      [body],
    );
    expect(message!.status).toBe('undelivered');
    const [identity] = await queryRows<{ undeliverable_at: Date | null }>(
      t.database.url,
      "select undeliverable_at from contact_identities where kind = 'email' and address = $1",
      [from],
    );
    expect(identity!.undeliverable_at).not.toBeNull();
    const audits = await queryRows(
      t.database.url,
      "select 1 from audit_log where action = 'identity.undeliverable' and subject_id = $1",
      [message!.contact_id],
    );
    expect(audits).toHaveLength(1);
  });
});
