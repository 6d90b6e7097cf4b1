import { detectAutomatedMail, parseDeliveryStatus } from './automated-mail';

const headers =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    values[name];

const REPORT = 'multipart/report; report-type=delivery-status; boundary="b1"';

describe('detectAutomatedMail', () => {
  test.each([
    ['a person', {}, null],
    ['Auto-Submitted: no', { 'auto-submitted': 'no' }, null],
    ['Auto-Submitted: auto-replied', { 'auto-submitted': 'auto-replied' }, 'auto_reply'],
    ['Auto-Submitted: auto-generated', { 'auto-submitted': 'auto-generated' }, 'auto_reply'],
    ['X-Autoreply', { 'x-autoreply': 'yes' }, 'auto_reply'],
    ['Precedence: bulk', { precedence: 'bulk' }, 'auto_reply'],
    ['Precedence: auto_reply', { precedence: 'auto_reply' }, 'auto_reply'],
    ['Precedence: junk', { precedence: 'Junk' }, 'auto_reply'],
    ['Precedence: urgent (not a robot)', { precedence: 'urgent' }, null],
    ['a delivery report', { 'content-type': REPORT }, 'bounce'],
    [
      'a report of another type',
      { 'content-type': 'multipart/report; report-type=disposition-notification' },
      null,
    ],
  ])('%s', (_name, values, expected) => {
    expect(detectAutomatedMail(headers(values))?.kind ?? null).toBe(expected);
  });

  test('a bounce with a 5.x.x status is hard and names the failed recipient', () => {
    const status =
      'Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; Patient@Example.org\nAction: failed\nStatus: 5.1.1\n';
    expect(detectAutomatedMail(headers({ 'content-type': REPORT }), status)).toEqual({
      kind: 'bounce',
      hard: true,
      status: '5.1.1',
      recipient: 'patient@example.org',
    });
  });

  test.each([
    [
      'delayed (4.x.x) is soft',
      'Final-Recipient: rfc822;a@b.org\nAction: delayed\nStatus: 4.4.1',
      false,
      '4.4.1',
    ],
    ['no status is soft', 'Final-Recipient: rfc822;a@b.org', false, null],
    ['5.7.1 is hard', 'Original-Recipient: rfc822;<a@b.org>\nStatus: 5.7.1 (policy)', true, '5.7.1'],
  ])('%s', (_name, text, hard, status) => {
    const parsed = parseDeliveryStatus(text);
    expect(parsed.hard).toBe(hard);
    expect(parsed.status).toBe(status);
    expect(parsed.recipient).toBe('a@b.org');
  });
});
