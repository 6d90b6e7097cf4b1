import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import request from 'supertest';
import { channelFactories } from '../../channels';
import { createEmailChannel } from '../../channels/email';
import { DnsStandIn } from '../support/dns-stand-in';
import { startCaptureServer } from '../support/smtp-capture';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

const SECRET = 'email-webhook-secret-0123456789';
const DOMAIN = 'mail.clinic.test';
const WEBHOOK = '/webhooks/email/inbound';

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
  // The patients' domains send from this machine, and their SPF says so: every sender here is
  // authenticated (forged senders have their own suite, email-sender-authentication).
  const dns = new DnsStandIn();
  for (const domain of ['example.org', 'work.example', 'home.example']) {
    dns.spf(domain, 'v=spf1 ip4:127.0.0.1 -all');
  }
  t = await startTestHub({
    channelFactories: channelFactories.map((factory) =>
      factory === createEmailChannel
        ? (context) => createEmailChannel(context, { dnsResolver: dns.resolver })
        : factory,
    ),
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

/** Inbound rows only come from the requests a test makes (replies and triage write outbound ones). */
const inboundCount = async () =>
  Number(
    (
      await queryRows<{ n: string }>(
        t.database.url,
        "select count(*) as n from messages where direction = 'inbound'",
      )
    )[0]!.n,
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
      { kind: 'email', address: from, display: from, undeliverable: false },
    ]);
  });

  test('mail for a domain the hub does not serve is refused with 550', async () => {
    await expect(
      patientMail({ from: patientAddress(), to: 'someone@elsewhere.example', text: 'relay me' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  test('an attachment over EMAIL_MAX_ATTACHMENT_BYTES is refused and the sender told; the message is stored', async () => {
    const from = patientAddress();
    const info = await patientMail({
      from,
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

    // Never silently dropped: the sender gets an automatic answer naming the limit, not the file.
    const answer = await eventually(async () =>
      capture.received.find(
        (m) =>
          !Array.isArray(m.to) && m.to?.value[0]?.address === from && /could not accept/.test(m.text ?? ''),
      ),
    );
    expect(answer.text).toContain('larger than 0.5 MB');
    expect(answer.text).not.toContain('referral');
    // From the template, through the outbound policy, threaded to the patient's email.
    expect(answer.subject).toBe('Your message to Riverside Clinic: attachments not received');
    expect(answer.html).toContain('<strong>0.5 MB</strong>');
    expect(answer.inReplyTo).toBe(info.messageId);
    const [auto] = await queryRows<{ automation: string; conversation_id: string; author_kind: string }>(
      t.database.url,
      "select automation, conversation_id, author_kind from messages where automation = 'attachment_refused' and channel_meta->>'answers' = $1",
      [row!.id],
    );
    expect(auto).toMatchObject({ conversation_id: row!.conversation_id, author_kind: 'system' });
    const [decision] = await queryRows<{ detail: Record<string, unknown> }>(
      t.database.url,
      "select detail from audit_log where action = 'policy.decision' and detail->>'template' = 'attachment-refused' and subject_id = $1",
      [row!.contact_id],
    );
    expect(decision?.detail).toMatchObject({ allowed: true, channel: 'email', initiator: 'automated' });
  });

  test('the answer to refused attachments goes under policy: a patient opted out of email is not emailed', async () => {
    const from = patientAddress();
    const api = await t.api();
    const created = await api.post('/contacts', { name: 'Opted Out', email: from }).expect(201);
    await api
      .post(`/contacts/${created.body.contact.id}/consents`, {
        channel: 'email',
        purpose: 'all',
        status: 'opted_out',
      })
      .expect(201);
    const info = await patientMail({
      from,
      text: 'My scan, too big',
      attachments: [
        { filename: 'scan.pdf', content: Buffer.alloc(600 * 1024, 5), contentType: 'application/pdf' },
      ],
    });
    const [row] = await messagesByProviderId(info.messageId);
    // No other channel on file to fall back to: refused, and the refusal kept on the patient's message.
    expect(row!.channel_meta.attachmentReply).toEqual({ status: 'refused', code: 'consent_opted_out' });
    const answers = await queryRows(
      t.database.url,
      "select 1 from messages where automation = 'attachment_refused' and channel_meta->>'answers' = $1",
      [row!.id],
    );
    expect(answers).toHaveLength(0);
  });

  test('a kept attachment is stored and downloadable by staff only, audited', async () => {
    const content = Buffer.from(`%PDF-1.4 insurance card ${randomUUID()}`);
    const info = await patientMail({
      from: patientAddress(),
      text: 'My insurance card',
      attachments: [{ filename: 'card front.pdf', content, contentType: 'application/pdf' }],
    });
    const [row] = await queryRows<{ id: string; media: { url: string; contentType: string }[] }>(
      t.database.url,
      'select id, media from messages where provider_message_id = $1',
      [info.messageId],
    );
    expect(row!.media).toEqual([
      {
        url: expect.stringMatching(/^\/api\/v1\/attachments\/[0-9a-f-]{36}$/),
        contentType: 'application/pdf',
      },
    ]);
    const url = row!.media[0]!.url;

    await request(t.hub.url).get(url).expect(401);
    const download = await request(t.hub.url)
      .get(url)
      .set('Authorization', `Bearer ${await t.staffToken()}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
    expect(download.headers['content-type']).toMatch(/^application\/pdf/);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="card front.pdf"/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    const audits = await queryRows(
      t.database.url,
      "select 1 from audit_log where action = 'attachment.download' and subject_id = $1",
      [row!.id],
    );
    expect(audits).toHaveLength(1);

    const api = await t.api();
    await api.get(`/attachments/${randomUUID()}`).expect(404);
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

  test('a replayed email with a refused attachment is answered once', async () => {
    const messageId = `<${randomUUID()}@example.org>`;
    const boundary = 'att-boundary';
    const raw = [
      `From: ${patientAddress()}`,
      `To: frontdesk@${DOMAIN}`,
      'Subject: scan',
      `Message-ID: ${messageId}`,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'my scan',
      `--${boundary}`,
      'Content-Type: application/pdf; name="scan.pdf"',
      'Content-Disposition: attachment; filename="scan.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.alloc(600 * 1024, 3).toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await postRaw(raw).expect(200);
    await postRaw(raw).expect(200);
    const [row] = await messagesByProviderId(messageId);
    const answers = await queryRows(
      t.database.url,
      "select 1 from messages where automation = 'attachment_refused' and channel_meta->>'answers' = $1",
      [row!.id],
    );
    expect(answers).toHaveLength(1);
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

  test.each([
    [
      'garbage bytes',
      () => Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x0a, 0x0d, 0x80, 0x9f, 0x00]),
      'sender_missing',
    ],
    [
      'headers only',
      () =>
        Buffer.from(
          `From: ${patientAddress()}\r\nTo: frontdesk@${DOMAIN}\r\nSubject: hi\r\nMessage-ID: <${randomUUID()}@example.org>\r\n`,
        ),
      'email_empty',
    ],
    [
      'no From',
      () => Buffer.from(rawEmail({ 'Message-ID': `<${randomUUID()}@example.org>` }, 'Who am I?')),
      'sender_missing',
    ],
  ])('malformed MIME (%s): 400 with a JSON error, nothing stored', async (_name, body, code) => {
    const before = await inboundCount();
    const res = await request(t.hub.url)
      .post(WEBHOOK)
      .set('Content-Type', 'message/rfc822')
      .set('X-CareLine-Email-Secret', SECRET)
      .send(body())
      .expect(400)
      .expect('Content-Type', /json/);
    expect(res.body.error).toEqual({ code, message: expect.any(String) });
    expect(await inboundCount()).toBe(before);
  });

  test('a body over the 10 MB limit: 413 over the webhook, nothing stored', async () => {
    const before = await inboundCount();
    const messageId = `<${randomUUID()}@example.org>`;
    const raw = rawEmail(
      { From: patientAddress(), 'Message-ID': messageId },
      'x'.repeat(10 * 1024 * 1024 + 1),
    );
    const res = await postRaw(raw).expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await messagesByProviderId(messageId)).toHaveLength(0);
    expect(await inboundCount()).toBe(before);
  });
});

describe('bad input over SMTP', () => {
  test('a message over the size limit is refused with 552, nothing stored', async () => {
    const before = await inboundCount();
    const from = patientAddress();
    await expect(patientMail({ from, text: `big ${'y'.repeat(10 * 1024 * 1024)}` })).rejects.toMatchObject({
      responseCode: 552,
    });
    expect(await inboundCount()).toBe(before);
    const identities = await queryRows(
      t.database.url,
      'select 1 from contact_identities where address = $1',
      [from],
    );
    expect(identities).toHaveLength(0);
  });

  test('a message with no From is refused with 550, nothing stored', async () => {
    const before = await inboundCount();
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: inboundPort,
      secure: false,
      ignoreTLS: true,
    });
    const raw = rawEmail({ 'Message-ID': `<${randomUUID()}@example.org>` }, 'no sender');
    await expect(
      client
        .sendMail({ envelope: { from: 'x@example.org', to: [`frontdesk@${DOMAIN}`] }, raw })
        .finally(() => client.close()),
    ).rejects.toMatchObject({ responseCode: 550 });
    expect(await inboundCount()).toBe(before);
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
      // The core's field: our message the signed token proves this answers (triage reads it as context).
      inReplyTo: outbound!.id,
      inReplyToHeader: sent.messageId,
      replyToken: { address: replyTo, messageId: outbound!.id },
    });
  });

  test('a staff reply to a patient email threads: In-Reply-To, References and "Re: <their subject>"', async () => {
    const from = patientAddress();
    const earlier = `<${randomUUID()}@example.org>`;
    const first = await patientMail({
      from,
      subject: 'Parking at the clinic',
      // Their mail is itself in a thread (an earlier message of theirs).
      references: [earlier],
      inReplyTo: earlier,
      text: 'Is there parking on site?',
    });
    const [inbound] = await messagesByProviderId(first.messageId);
    const { sent } = await staffEmailReply(inbound!.conversation_id);

    expect(sent.subject).toBe('Re: Parking at the clinic');
    expect(sent.inReplyTo).toBe(first.messageId);
    expect(sent.references).toEqual([earlier, first.messageId]);
    expect(sent.headers.get('in-reply-to')).toBe(first.messageId);

    // The patient writes again in the thread: the next reply answers that message.
    const second = await patientMail({
      from,
      to: sent.replyTo?.value[0]?.address,
      subject: sent.subject,
      inReplyTo: sent.messageId,
      references: [earlier, first.messageId, sent.messageId!],
      text: 'Thanks, and is it free?',
    });
    const next = await staffEmailReply(inbound!.conversation_id);
    expect(next.sent.subject).toBe('Re: Parking at the clinic');
    expect(next.sent.inReplyTo).toBe(second.messageId);
    expect(next.sent.references).toEqual([earlier, first.messageId, sent.messageId, second.messageId]);
  });

  test("a reminder the clinic starts is not threaded to the patient's last email", async () => {
    const from = patientAddress();
    const first = await patientMail({ from, subject: 'Hello', text: 'Just saying hi' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const api = await t.api();
    const location = `Suite ${randomUUID().slice(0, 8)}`;
    await api
      .post('/outbound', {
        to: { contactId: inbound!.contact_id },
        channel: 'email',
        urgent: true,
        template: 'appointment-reminder',
        variables: { clinicName: 'Riverside Clinic', appointmentTime: '2030-05-03T15:30:00Z', location },
      })
      .expect(202);
    const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(location)));
    expect(sent.inReplyTo).toBeUndefined();
    expect(sent.references).toBeUndefined();
  });

  test("a template sent by email carries the template's own subject and HTML part, variables escaped", async () => {
    const api = await t.api();
    const email = patientAddress();
    const created = await api.post('/contacts', { name: 'Ana Template', email }).expect(201);
    const location = `<b>Annex</b> & "North" ${randomUUID().slice(0, 8)}`;
    const res = await api
      .post('/outbound', {
        to: { contactId: created.body.contact.id },
        channel: 'email',
        urgent: true,
        template: 'appointment-reminder',
        variables: { clinicName: 'Riverside Clinic', appointmentTime: '2030-05-03T15:30:00Z', location },
      })
      .expect(202);
    expect(res.body.decision.channel).toBe('email');
    const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(location)));
    expect(sent.subject).toMatch(/^Appointment reminder: /);
    // The template's HTML, not a rendering of the text: its <strong> is there.
    expect(sent.html).toMatch(/on <strong>[^<]+<\/strong> at /);
    // The variable is escaped in the HTML part and kept as written in the text part.
    expect(sent.html).toContain('&lt;b&gt;Annex&lt;/b&gt; &amp; &quot;North&quot;');
    expect(sent.html).not.toContain('<b>Annex</b>');
    expect(sent.text).toContain(location);
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

  test('after a hard bounce the next outbound to that contact goes by SMS (the contact has a phone)', async () => {
    const api = await t.api();
    const email = patientAddress();
    const phone = randomUsPhone();
    const created = await api.post('/contacts', { name: 'Bo Bounce', email, phone }).expect(201);
    const contactId = created.body.contact.id as string;
    const reminder = (location: string) => ({
      to: { contactId },
      channel: 'email',
      urgent: true,
      template: 'appointment-reminder',
      variables: { clinicName: 'Riverside Clinic', appointmentTime: '2030-05-03T15:30:00Z', location },
    });

    const firstLocation = `Room ${randomUUID().slice(0, 8)}`;
    const first = await api.post('/outbound', reminder(firstLocation)).expect(202);
    expect(first.body.decision.channel).toBe('email');
    const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(firstLocation)));
    await eventually(async () => {
      const [row] = await queryRows<{ status: string }>(
        t.database.url,
        'select status from messages where id = $1',
        [first.body.message.id],
      );
      return row?.status === 'sent';
    });
    await postRaw(hardBounce(sent.replyTo?.value[0]?.address ?? '', email)).expect(200);

    const before = t.twilio.messages.length;
    const secondLocation = `Room ${randomUUID().slice(0, 8)}`;
    const second = await api.post('/outbound', reminder(secondLocation)).expect(202);
    expect(second.body.decision.channel).toBe('sms');
    expect(second.body.message).toMatchObject({ channel: 'sms', templateId: 'appointment-reminder' });
    const [sms] = (await t.twilio.waitForMessages(before + 1)).slice(before);
    expect(sms?.params.To).toBe(phone);
    expect(String(sms?.params.Body)).toContain(secondLocation);
    expect(capture.received.some((m) => m.text?.includes(secondLocation))).toBe(false);
  });
});

/** A delivery report (RFC 3464) saying `recipient` does not exist, sent back to our signed `replyTo`. */
function hardBounce(replyTo: string, recipient: string): string {
  const boundary = `bounce-${randomUUID()}`;
  return [
    'From: MAILER-DAEMON@example.org',
    `To: ${replyTo}`,
    'Subject: Undelivered Mail Returned to Sender',
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
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** Staff answer a conversation by email; returns the mail as the patient received it and our message id. */
async function staffEmailReply(conversationId: string) {
  const api = await t.api();
  const body = `Your results are in. ${randomUUID()}`;
  await api.post(`/conversations/${conversationId}/messages`, { body, sensitivity: 'limited' }).expect(202);
  const sent = await eventually(async () => capture.received.find((m) => m.text?.includes(body)));
  const [outbound] = await eventually(async () => {
    const rows = await queryRows<{ id: string; provider_message_id: string | null }>(
      t.database.url,
      'select id, provider_message_id from messages where body = $1',
      [body],
    );
    return rows[0]?.provider_message_id ? rows : null;
  });
  return { sent, replyTo: sent.replyTo?.value[0]?.address ?? '', outboundId: outbound!.id };
}

const duplicatesOf = async (contactId: string) => {
  const api = await t.api();
  const res = await api.get(`/contacts/${contactId}/duplicates`).expect(200);
  return res.body.duplicates as {
    id: string;
    contact: { id: string; name: string | null };
    reason: string;
    status: string;
    evidence: Record<string, unknown>;
  }[];
};

describe('one contact across addresses and channels', () => {
  test('a patient who texted and then emails from the address on file lands in the same conversation', async () => {
    const phone = randomUsPhone();
    const email = patientAddress();
    const api = await t.api();
    const created = await api.post('/contacts', { name: 'Rosa Diaz', phone, email }).expect(201);
    await t.postInboundSms({ From: phone, Body: 'texting about my refill' }).expect(200);
    const info = await patientMail({ from: `Rosa Diaz <${email}>`, text: 'and the same by email' });
    const [sms] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1',
      [phone],
    );
    const [mail] = await messagesByProviderId(info.messageId);
    expect(mail).toMatchObject({
      contact_id: created.body.contact.id,
      conversation_id: sms!.conversation_id,
    });
    expect(await duplicatesOf(created.body.contact.id)).toEqual([]);
  });

  test('a signed reply from the same mailbox written another way (+tag) joins the contact, audited', async () => {
    const local = `lee.${randomUUID().slice(0, 8)}`;
    const first = await patientMail({ from: `${local}+clinic@example.org`, text: 'Please send my results' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const { sent, replyTo } = await staffEmailReply(inbound!.conversation_id);

    const answer = await patientMail({
      from: `${local}@example.org`,
      to: replyTo,
      inReplyTo: sent.messageId,
      text: 'Thank you!',
    });
    const [reply] = await messagesByProviderId(answer.messageId);
    expect(reply).toMatchObject({
      contact_id: inbound!.contact_id,
      conversation_id: inbound!.conversation_id,
    });
    const identities = await queryRows<{ address: string }>(
      t.database.url,
      "select address from contact_identities where contact_id = $1 and kind = 'email' order by address",
      [inbound!.contact_id],
    );
    expect(identities.map((i) => i.address)).toEqual([`${local}+clinic@example.org`, `${local}@example.org`]);
    const audits = await queryRows(
      t.database.url,
      "select 1 from audit_log where action = 'identity.linked' and subject_id = $1",
      [inbound!.contact_id],
    );
    expect(audits).toHaveLength(1);
  });

  test('a signed reply from another address gets its own contact and a suggestion, never a merge', async () => {
    const first = await patientMail({ from: patientAddress(), text: 'When is my appointment?' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const { sent, replyTo, outboundId } = await staffEmailReply(inbound!.conversation_id);

    const spouse = patientAddress();
    const answer = await patientMail({
      from: spouse,
      to: replyTo,
      inReplyTo: sent.messageId,
      text: 'She can come at 3',
    });
    const [reply] = await messagesByProviderId(answer.messageId);
    expect(reply!.contact_id).not.toBe(inbound!.contact_id);
    expect(reply!.conversation_id).not.toBe(inbound!.conversation_id);

    const suggestions = await duplicatesOf(inbound!.contact_id);
    expect(suggestions).toEqual([
      expect.objectContaining({
        contact: { id: reply!.contact_id, name: null },
        reason: 'replied_from_new_address',
        status: 'open',
        evidence: { messageId: reply!.id, repliedTo: outboundId, via: 'signed' },
      }),
    ]);
    // Seen from the other side too.
    expect((await duplicatesOf(reply!.contact_id))[0]?.contact.id).toBe(inbound!.contact_id);
    const spouseIdentity = await queryRows<{ contact_id: string }>(
      t.database.url,
      "select contact_id from contact_identities where kind = 'email' and address = $1",
      [spouse],
    );
    expect(spouseIdentity).toEqual([{ contact_id: reply!.contact_id }]);
  });

  test('an unsigned In-Reply-To to our message from an unknown address: new contact and a suggestion', async () => {
    const first = await patientMail({ from: patientAddress(), text: 'Do you have my lab order?' });
    const [inbound] = await messagesByProviderId(first.messageId);
    const { sent, outboundId } = await staffEmailReply(inbound!.conversation_id);

    const messageId = `<${randomUUID()}@example.org>`;
    const raw = rawEmail(
      {
        From: patientAddress(),
        'Message-ID': messageId,
        'In-Reply-To': sent.messageId!,
        References: sent.messageId!,
      },
      'Forwarded to me, what is this?',
    );
    await postRaw(raw).expect(200);
    const [reply] = await messagesByProviderId(messageId);
    expect(reply!.contact_id).not.toBe(inbound!.contact_id);
    expect(await duplicatesOf(inbound!.contact_id)).toEqual([
      expect.objectContaining({
        contact: { id: reply!.contact_id, name: null },
        reason: 'replied_from_new_address',
        evidence: { messageId: reply!.id, repliedTo: outboundId, via: 'references' },
      }),
    ]);
  });

  test('an unknown address that looks like someone on file: new contact and a suggestion', async () => {
    const local = `maria.garcia.${randomUUID().slice(0, 6)}`;
    const api = await t.api();
    const known = await api
      .post('/contacts', { name: 'María García', email: `${local}@home.example` })
      .expect(201);

    const info = await patientMail({
      from: `Maria Garcia <${local}@work.example>`,
      text: 'New email address',
    });
    const [row] = await messagesByProviderId(info.messageId);
    expect(row!.contact_id).not.toBe(known.body.contact.id);
    const suggestions = await duplicatesOf(known.body.contact.id);
    expect(suggestions).toEqual([
      expect.objectContaining({
        contact: { id: row!.contact_id, name: null },
        reason: 'same_name_and_email_local_part',
        status: 'open',
        evidence: { messageId: row!.id },
      }),
    ]);

    // The same name with another local part, or another name with the same local part: nothing.
    const other = await patientMail({
      from: `Maria Garcia <someone.${randomUUID().slice(0, 6)}@work.example>`,
      text: 'hi',
    });
    const stranger = await patientMail({ from: `Pat Smith <${local}@elsewhere.example>`, text: 'hi' });
    expect(await duplicatesOf(known.body.contact.id)).toHaveLength(1);
    for (const mail of [other, stranger]) {
      const [r] = await messagesByProviderId(mail.messageId);
      expect(await duplicatesOf(r!.contact_id)).toEqual([]);
    }

    // Staff decide they are two people.
    await api
      .post(`/contacts/${known.body.contact.id}/duplicates/${suggestions[0]!.id}/dismiss`, {})
      .expect(200);
    expect((await duplicatesOf(known.body.contact.id))[0]?.status).toBe('dismissed');
    await api
      .post(`/contacts/${known.body.contact.id}/duplicates/${suggestions[0]!.id}/dismiss`, {})
      .expect(404);
  });

  test('duplicates of an unknown contact: 404; without a staff token: 401', async () => {
    const api = await t.api();
    await api.get(`/contacts/${randomUUID()}/duplicates`).expect(404);
    await request(t.hub.url).get(`/api/v1/contacts/${randomUUID()}/duplicates`).expect(401);
  });
});
