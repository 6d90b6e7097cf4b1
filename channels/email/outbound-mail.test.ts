import type { OutboundEnvelope } from '../../src/channel-port';
import {
  composeMail,
  deriveSubject,
  domainOf,
  plainTextToHtml,
  replySubject,
  threadHeaders,
} from './outbound-mail';

describe('deriveSubject', () => {
  test.each([
    ['the first line', 'Your results are ready\nPlease call us.', 'Your results are ready'],
    ['leading blank lines skipped and spaces collapsed', '\n\n   Hello   there  \nmore', 'Hello there'],
    ['an empty body', '', 'Message from Riverside Clinic'],
    ['a blank body', '  \n \n', 'Message from Riverside Clinic'],
    ['exactly 78 characters kept', 'a'.repeat(78), 'a'.repeat(78)],
    ['longer lines cut to 78 with an ellipsis', 'b'.repeat(100), `${'b'.repeat(77)}…`],
  ])('%s', (_name, body, expected) => {
    const subject = deriveSubject(body, 'Riverside Clinic');
    expect(subject).toBe(expected);
    expect([...subject].length).toBeLessThanOrEqual(78);
  });
});

test('plainTextToHtml escapes markup and keeps line breaks', () => {
  const html = plainTextToHtml('Hi <b>Ana</b> & "co"\nline 2\n\nnew paragraph');
  expect(html).toContain('<p>Hi &lt;b&gt;Ana&lt;/b&gt; &amp; &quot;co&quot;<br>\nline 2</p>');
  expect(html).toContain('<p>new paragraph</p>');
  expect(html).not.toContain('<b>');
});

test.each([
  ['clinic@example.org', 'example.org'],
  ['"Riverside Clinic" <No-Reply@Mail.Example.org>', 'mail.example.org'],
  ['nobody', null],
])('domainOf(%s)', (address, expected) => {
  expect(domainOf(address)).toBe(expected);
});

describe('replySubject', () => {
  test.each([
    ['Question about parking', 'Re: Question about parking'],
    ['Re: Question about parking', 'Re: Question about parking'],
    ['RE: already answered', 'RE: already answered'],
    ['re:no space', 're:no space'],
    ['  folded\r\n  subject  ', 'Re: folded subject'],
    ['Regarding my refill', 'Re: Regarding my refill'],
  ])('%j -> %j', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });
});

describe('threadHeaders', () => {
  test.each([
    [
      'a first patient email: its own id only',
      { providerMessageId: '<a@patient.example>', channelMeta: { subject: 'Hello' } },
      { inReplyTo: '<a@patient.example>', references: ['<a@patient.example>'], subject: 'Hello' },
    ],
    [
      'a patient reply: its References, then its Message-ID',
      {
        providerMessageId: '<c@patient.example>',
        channelMeta: { subject: 'Re: Hello', references: ['<a@patient.example>', '<b@clinic.test>'] },
      },
      {
        inReplyTo: '<c@patient.example>',
        references: ['<a@patient.example>', '<b@clinic.test>', '<c@patient.example>'],
        subject: 'Re: Hello',
      },
    ],
    [
      'no References but one In-Reply-To: that, then its Message-ID',
      { providerMessageId: '<c@p.example>', channelMeta: { inReplyToHeader: '<b@clinic.test>' } },
      { inReplyTo: '<c@p.example>', references: ['<b@clinic.test>', '<c@p.example>'] },
    ],
    [
      'references that are not message ids are dropped',
      { providerMessageId: '<c@p.example>', channelMeta: { references: ['junk', '<x@y>\r\nBcc: z', 7] } },
      { inReplyTo: '<c@p.example>', references: ['<c@p.example>'] },
    ],
    [
      'a blank subject is none',
      { providerMessageId: '<c@p.example>', channelMeta: { subject: '  ' } },
      { inReplyTo: '<c@p.example>', references: ['<c@p.example>'] },
    ],
  ])('%s', (_name, answered, expected) => {
    expect(threadHeaders(answered)).toEqual(expected);
  });

  test('a mail stored without a Message-ID (by content hash) cannot be pointed at', () => {
    expect(threadHeaders({ providerMessageId: `sha256:${'a'.repeat(64)}`, channelMeta: {} })).toBeNull();
  });

  test('a long thread keeps its root and its latest references', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `<m${i}@p.example>`);
    const headers = threadHeaders({
      providerMessageId: '<last@p.example>',
      channelMeta: { references: ids },
    });
    expect(headers?.references).toHaveLength(20);
    expect(headers?.references[0]).toBe('<m0@p.example>');
    expect(headers?.references.at(-2)).toBe('<m29@p.example>');
    expect(headers?.references.at(-1)).toBe('<last@p.example>');
  });
});

describe('composeMail', () => {
  const base: OutboundEnvelope = {
    messageId: 'm1',
    to: 'pat@example.org',
    body: 'Line one\n<b>two</b>',
    media: [],
  };
  const answering = {
    providerMessageId: '<p1@patient.example>',
    channelMeta: { subject: 'Parking?', references: ['<p0@patient.example>'] },
  };

  test.each([
    [
      'free text: subject from the first line, escaped HTML from the text',
      base,
      { subject: 'Line one', html: plainTextToHtml(base.body) },
    ],
    [
      'a template: its own subject and HTML part',
      { ...base, subject: 'Appointment reminder: Fri', html: '<p>See you <strong>Friday</strong></p>' },
      {
        subject: 'Appointment reminder: Fri',
        html: '<!doctype html><html><body><p>See you <strong>Friday</strong></p></body></html>',
      },
    ],
    [
      'a template subject is one line whatever a variable held',
      { ...base, subject: 'Hello Ana\r\nBcc: x@y.org', html: '<p>x</p>' },
      { subject: 'Hello Ana Bcc: x@y.org' },
    ],
    [
      'a free-text reply to a patient email: "Re: <their subject>" and thread headers',
      { ...base, answering },
      {
        subject: 'Re: Parking?',
        html: plainTextToHtml(base.body),
        inReplyTo: '<p1@patient.example>',
        references: ['<p0@patient.example>', '<p1@patient.example>'],
      },
    ],
    [
      'a template reply keeps the template subject and still threads',
      { ...base, subject: 'Your code', html: '<p>123</p>', answering },
      { subject: 'Your code', inReplyTo: '<p1@patient.example>' },
    ],
    [
      'a reply to a patient email without a subject: the derived one',
      { ...base, answering: { providerMessageId: '<p1@patient.example>', channelMeta: {} } },
      { subject: 'Line one', inReplyTo: '<p1@patient.example>' },
    ],
  ])('%s', (_name, envelope, expected) => {
    const mail = composeMail(envelope, 'Riverside Clinic');
    expect(mail).toMatchObject({ text: envelope.body, ...expected });
  });

  test('free text never reaches the HTML part unescaped', () => {
    const mail = composeMail({ ...base, body: '<img src=x onerror=alert(1)>' }, 'Riverside Clinic');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img');
    expect(mail).not.toHaveProperty('inReplyTo');
  });
});
