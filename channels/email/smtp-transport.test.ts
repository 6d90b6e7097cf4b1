import { createSmtpTransport, toSendError } from './smtp-transport';

test.each([
  ['550 mailbox unknown', { responseCode: 550, command: 'RCPT TO' }, 'smtp_550', false],
  ['554 rejected', { responseCode: 554 }, 'smtp_554', false],
  ['421 try later', { responseCode: 421 }, 'smtp_421', true],
  ['451 local error', { responseCode: 451 }, 'smtp_451', true],
  ['connection refused', { code: 'ECONNECTION' }, 'provider_unreachable', true],
  ['timeout', { code: 'ETIMEDOUT' }, 'provider_unreachable', true],
  ['not an error object', undefined, 'provider_unreachable', true],
])('%s', (_name, error, code, retryable) => {
  const mapped = toSendError(error);
  expect(mapped.code).toBe(code);
  expect(mapped.retryable).toBe(retryable);
});

test('SMTP_URL must be an smtp(s) URL', () => {
  expect(() => createSmtpTransport('http://mail.example.org')).toThrow('SMTP_URL');
});
