import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { InboundMessage, InboundSink, UndeliverableReport } from '../../src/channel-port';
import { htmlToPlainText, receiveRawEmail } from './inbound-email';
import { signReplyLocalPart } from './reply-token';

const secret = 'reply-token-secret-for-tests';
const meta = { requestId: 'req-1' };

function fakeSink(withMark = true) {
  const received: InboundMessage[] = [];
  const marked: UndeliverableReport[] = [];
  const sink: InboundSink = {
    async receive(message) {
      received.push(message);
      return {
        messageId: randomUUID(),
        conversationId: randomUUID(),
        contactId: randomUUID(),
        duplicate: false,
      };
    },
    async applyStatus() {
      return { messageId: null, applied: false };
    },
    ...(withMark
      ? {
          async markUndeliverable(report: UndeliverableReport) {
            marked.push(report);
          },
        }
      : {}),
  };
  return { sink, received, marked };
}

const options = { replyTokenSecret: secret, maxAttachmentBytes: 1000, logger: pino({ level: 'silent' }) };

const mail = (headers: string[], body: string) => Buffer.from(`${[...headers, ''].join('\r\n')}\r\n${body}`);

test('a plain reply: sender lower-cased, quote stripped, original and threading kept, matching hints passed', async () => {
  const { sink, received } = fakeSink();
  const outboundId = randomUUID();
  const to = `${signReplyLocalPart(secret, outboundId)}@mail.clinic.org`;
  const outcome = await receiveRawEmail(
    mail(
      [
        'From: Ana <Ana.Lopez@Example.org>',
        `To: ${to}`,
        'Subject: Re: your appointment',
        'Message-ID: <abc@example.org>',
        `In-Reply-To: <${outboundId}@mail.clinic.org>`,
        `References: <x@y> <${outboundId}@mail.clinic.org>`,
      ],
      'Yes please.\r\n\r\nOn Mon, Jun 2, 2025 Clinic wrote:\r\n> Shall we?\r\n',
    ),
    sink,
    options,
    { meta },
  );
  expect(outcome.kind).toBe('stored');
  expect(received[0]).toMatchObject({
    channel: 'email',
    from: { kind: 'email', address: 'ana.lopez@example.org', displayName: 'Ana' },
    body: 'Yes please.',
    providerMessageId: '<abc@example.org>',
    media: [],
    channelMeta: {
      subject: 'Re: your appointment',
      fromName: 'Ana',
      inReplyToHeader: `<${outboundId}@mail.clinic.org>`,
      references: ['<x@y>', `<${outboundId}@mail.clinic.org>`],
      replyToken: { address: to, messageId: outboundId },
    },
    // Matching order for the core: the signed token first, then the headers, most direct first.
    inReplyTo: outboundId,
    references: [`<${outboundId}@mail.clinic.org>`, `<${outboundId}@mail.clinic.org>`, '<x@y>'],
  });
  expect(received[0]?.channelMeta?.originalText).toContain('> Shall we?');
});

test('a forged reply token is recorded as invalid, and a missing Message-ID hashes the message', async () => {
  const { sink, received } = fakeSink();
  const raw = mail(['From: a@b.org', `To: reply+${'0'.repeat(32)}.${'1'.repeat(16)}@clinic.org`], 'hello');
  await receiveRawEmail(raw, sink, options, { meta });
  expect(received[0]?.channelMeta?.replyTokenInvalid).toBe(
    `reply+${'0'.repeat(32)}.${'1'.repeat(16)}@clinic.org`,
  );
  expect(received[0]?.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test('HTML-only mail becomes text without markup or scripts', async () => {
  const { sink, received } = fakeSink();
  await receiveRawEmail(
    mail(
      [
        'From: a@b.org',
        'To: desk@clinic.org',
        'Message-ID: <h@b.org>',
        'Content-Type: text/html; charset=utf-8',
      ],
      '<p>Fever since <b>Monday</b> &amp; a cough</p><script>alert(1)</script><div>Thanks</div>',
    ),
    sink,
    options,
    { meta },
  );
  expect(received[0]?.body).toBe('Fever since Monday & a cough\nThanks');
  expect(received[0]?.channelMeta?.htmlOnly).toBe(true);
});

test('an HTML-only reply: the quoted history in its markup is stripped, the whole original kept', async () => {
  const { sink, received } = fakeSink();
  await receiveRawEmail(
    mail(
      [
        'From: a@b.org',
        'To: desk@clinic.org',
        'Message-ID: <hq@b.org>',
        'Content-Type: text/html; charset=utf-8',
      ],
      '<div dir="ltr">Can we move it to Friday?</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Clinic wrote:</div><blockquote class="gmail_quote">Your appointment is Thursday.</blockquote></div>',
    ),
    sink,
    options,
    { meta },
  );
  expect(received[0]?.body).toBe('Can we move it to Friday?');
  expect(received[0]?.channelMeta?.originalText).toContain('Your appointment is Thursday.');
  expect(received[0]?.channelMeta?.htmlOnly).toBe(true);
});

test.each([
  ['headers only', mail(['From: a@b.org', 'To: desk@clinic.org', 'Subject: hi'], ''), 'email_empty'],
  ['no From', mail(['To: desk@clinic.org', 'Subject: hi'], 'hello'), 'sender_missing'],
  ['garbage bytes', Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x0a, 0x0d, 0x80, 0x9f]), 'sender_missing'],
])('%s: refused with a 400 naming why, nothing handed to the core', async (_name, raw, code) => {
  const { sink, received } = fakeSink();
  await expect(receiveRawEmail(raw, sink, options, { meta })).rejects.toMatchObject({ status: 400, code });
  expect(received).toHaveLength(0);
});

test('htmlToPlainText decodes what it escaped', () => {
  expect(htmlToPlainText('a &lt;b&gt; &amp;amp; <i>c</i><br>d')).toBe('a <b> &amp; c\nd');
});

test('attachments are listed, oversized ones refused but the message is stored', async () => {
  const { sink, received } = fakeSink();
  const small = Buffer.alloc(100, 1).toString('base64');
  const large = Buffer.alloc(2000, 1).toString('base64');
  const raw = mail(
    [
      'From: a@b.org',
      'To: desk@clinic.org',
      'Message-ID: <att@b.org>',
      'Content-Type: multipart/mixed; boundary="zz"',
    ],
    [
      '--zz',
      'Content-Type: text/plain',
      '',
      'photos attached',
      '--zz',
      'Content-Type: image/png; name="small.png"',
      'Content-Disposition: attachment; filename="small.png"',
      'Content-Transfer-Encoding: base64',
      '',
      small,
      '--zz',
      'Content-Type: application/pdf; name="big.pdf"',
      'Content-Disposition: attachment; filename="big.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      large,
      '--zz--',
      '',
    ].join('\r\n'),
  );
  await receiveRawEmail(raw, sink, options, { meta });
  expect(received[0]?.body).toBe('photos attached');
  expect(received[0]?.channelMeta?.attachments).toEqual([
    { filename: 'small.png', contentType: 'image/png', size: 100 },
  ]);
  expect(received[0]?.channelMeta?.attachmentsRefused).toEqual([
    { filename: 'big.pdf', contentType: 'application/pdf', size: 2000, reason: 'too_large' },
  ]);
  // The kept file's bytes go to the core to store; the refused one is named for the core to answer.
  expect(received[0]?.attachments).toEqual([
    { filename: 'small.png', contentType: 'image/png', content: expect.any(Buffer) },
  ]);
  expect(Buffer.from(received[0]!.attachments![0]!.content)).toEqual(Buffer.alloc(100, 1));
  expect(received[0]?.refusedAttachments).toEqual([
    { filename: 'big.pdf', contentType: 'application/pdf', size: 2000, limitBytes: 1000 },
  ]);
});

test('a forged reply token gives no inReplyTo: only the unverified references remain', async () => {
  const { sink, received } = fakeSink();
  const raw = mail(
    [
      'From: a@b.org',
      `To: reply+${'0'.repeat(32)}.${'1'.repeat(16)}@clinic.org`,
      'Message-ID: <forged@b.org>',
      'In-Reply-To: <ours@clinic.org>',
    ],
    'hello',
  );
  await receiveRawEmail(raw, sink, options, { meta });
  expect(received[0]?.inReplyTo).toBeUndefined();
  expect(received[0]?.references).toEqual(['<ours@clinic.org>']);
});

test('no From address: 400 sender_missing', async () => {
  const { sink } = fakeSink();
  await expect(
    receiveRawEmail(mail(['To: desk@clinic.org'], 'hi'), sink, options, { meta }),
  ).rejects.toMatchObject({
    status: 400,
    code: 'sender_missing',
  });
});

test('an auto-reply stores nothing', async () => {
  const { sink, received } = fakeSink();
  const outcome = await receiveRawEmail(
    mail(['From: a@b.org', 'To: desk@clinic.org', 'Auto-Submitted: auto-replied'], 'I am away'),
    sink,
    options,
    { meta },
  );
  expect(outcome).toEqual({ kind: 'ignored', reason: 'auto_reply' });
  expect(received).toHaveLength(0);
});

function bounce(to: string, status: string) {
  return mail(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
      `To: ${to}`,
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    ],
    [
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      'Final-Recipient: rfc822; Gone@Example.org',
      'Action: failed',
      `Status: ${status}`,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

test('a hard bounce to a signed reply address marks the recipient undeliverable', async () => {
  const { sink, received, marked } = fakeSink();
  const outboundId = randomUUID();
  const outcome = await receiveRawEmail(
    bounce(`${signReplyLocalPart(secret, outboundId)}@clinic.org`, '5.1.1'),
    sink,
    options,
    { meta },
  );
  expect(outcome).toEqual({ kind: 'ignored', reason: 'bounce' });
  expect(received).toHaveLength(0);
  expect(marked).toEqual([
    {
      channel: 'email',
      kind: 'email',
      address: 'gone@example.org',
      messageId: outboundId,
      providerStatus: '5.1.1',
    },
  ]);
});

test.each([
  ['a soft bounce', () => `${signReplyLocalPart(secret, randomUUID())}@clinic.org`, '4.2.2'],
  ['a hard bounce to an unsigned address', () => 'no-reply@clinic.org', '5.1.1'],
  ['a hard bounce to a forged token', () => `reply+${'0'.repeat(32)}.${'1'.repeat(16)}@clinic.org`, '5.1.1'],
])('%s marks nothing', async (_name, to, status) => {
  const { sink, received, marked } = fakeSink();
  await receiveRawEmail(bounce(to(), status), sink, options, { meta });
  expect(received).toHaveLength(0);
  expect(marked).toHaveLength(0);
});

test('a hard bounce when the core has no markUndeliverable is still answered', async () => {
  const { sink } = fakeSink(false);
  const outcome = await receiveRawEmail(
    bounce(`${signReplyLocalPart(secret, randomUUID())}@clinic.org`, '5.1.1'),
    sink,
    options,
    { meta },
  );
  expect(outcome.kind).toBe('ignored');
});
