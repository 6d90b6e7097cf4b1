import { randomUUID } from 'node:crypto';
import { looksLikeReplyAddress, signReplyLocalPart, verifyReplyAddress } from './reply-token';

const secret = 'a-secret-of-some-length';

describe('reply tokens', () => {
  test('a signed address verifies to its message id, whatever the case and domain', () => {
    const id = randomUUID();
    const local = signReplyLocalPart(secret, id);
    expect(local).toMatch(/^reply\+[0-9a-f]{32}\.[0-9a-f]{16}$/);
    expect(local.length).toBeLessThanOrEqual(64);
    expect(verifyReplyAddress(secret, `${local}@mail.clinic.org`)).toBe(id);
    expect(verifyReplyAddress(secret, `${local.toUpperCase()}@MAIL.CLINIC.ORG`)).toBe(id);
  });

  test.each([
    ['another secret', (local: string) => verifyReplyAddress('another-secret-entirely', `${local}@x.org`)],
    [
      'a changed message id',
      (local: string) =>
        verifyReplyAddress(secret, `${local.replace(/\+./, (m) => `+${m[1] === 'a' ? 'b' : 'a'}`)}@x.org`),
    ],
    [
      'a changed mac',
      (local: string) =>
        verifyReplyAddress(secret, `${local.slice(0, -1)}${local.endsWith('0') ? '1' : '0'}@x.org`),
    ],
    ['a truncated mac', (local: string) => verifyReplyAddress(secret, `${local.slice(0, -2)}@x.org`)],
    ['no token at all', () => verifyReplyAddress(secret, 'reply@x.org')],
  ])('%s does not verify', (_name, attempt) => {
    expect(attempt(signReplyLocalPart(secret, randomUUID()))).toBeNull();
  });

  test('only message ids get tokens', () => {
    expect(() => signReplyLocalPart(secret, 'not-a-uuid')).toThrow();
  });

  test.each([
    ['reply+abc.def@x.org', true],
    ['Reply+abc@x.org', true],
    ['frontdesk@x.org', false],
  ])('%s looks like a reply address: %s', (address, expected) => {
    expect(looksLikeReplyAddress(address)).toBe(expected);
  });
});
