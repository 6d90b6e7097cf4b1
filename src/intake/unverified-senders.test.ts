import type { InboundMessage } from '../channel-port';
import { declareShippedIdentityKinds } from '../platform/addresses/shipped-identity-kinds.test-support';
import { withSafeMedia } from './media-urls';
import { holdUnverifiedSender } from './unverified-senders';

declareShippedIdentityKinds();

const message = (overrides: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'email',
  from: { kind: 'email', address: 'ana@patients.example', displayName: 'Ana Lopez' },
  body: 'hello',
  media: [],
  providerMessageId: '<m@patients.example>',
  inReplyTo: '6f1c1a8e-8a58-4d39-9f43-3a1f0b0b7a11',
  references: ['<ours@clinic.example>'],
  channelMeta: { subject: 'Hi' },
  ...overrides,
});

describe('holdUnverifiedSender', () => {
  test('an authenticated sender passes unchanged', () => {
    const verified = message();
    expect(holdUnverifiedSender(verified)).toBe(verified);
  });

  test('an unverified sender is filed under a holding identity, with no thread to a patient', () => {
    const held = holdUnverifiedSender(message({ senderUnverified: true }));
    expect(held.from).toEqual({ kind: 'unverified-email', address: 'ana@patients.example' });
    expect(held.inReplyTo).toBeUndefined();
    expect(held.references).toBeUndefined();
    expect(held.channelMeta).toEqual({ subject: 'Hi', senderUnverified: true });
    expect(held.body).toBe('hello');
  });
});

describe('withSafeMedia', () => {
  const media = (url: string) => ({ url, contentType: 'image/png' });
  test.each([
    ['https://api.twilio.com/x.png', false, true],
    ['HTTPS://files.example/a.png', false, true],
    ['http://127.0.0.1:4010/a.png', false, false],
    ['http://127.0.0.1:4010/a.png', true, true],
    ['javascript:alert(document.cookie)', true, false],
    [' javascript:alert(1)', true, false],
    ['data:text/html,<script>alert(1)</script>', true, false],
    ['file:///etc/passwd', true, false],
    ['not a url', true, false],
  ])('%s (http allowed: %p) kept: %p', (url, allowHttp, kept) => {
    const result = withSafeMedia(message({ media: [media(url)] }), allowHttp);
    expect(result.media).toEqual(kept ? [media(url)] : []);
    expect(result.channelMeta?.mediaRefused).toEqual(
      kept ? undefined : [{ contentType: 'image/png', reason: 'unsafe_url_scheme' }],
    );
  });
});
