import { createHash } from 'node:crypto';
import { generateLinkToken, hashLinkToken, isWellFormedToken } from './secure-link-token';

describe('link tokens', () => {
  test('carry 256 random bits as 43 base64url characters, and differ each time', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateLinkToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(isWellFormedToken(token)).toBe(true);
    }
  });

  test.each([
    ['empty', ''],
    ['one short', 'a'.repeat(42)],
    ['one long', 'a'.repeat(44)],
    ['padding', `${'a'.repeat(42)}=`],
    ['standard base64 plus', `${'a'.repeat(42)}+`],
    ['slash', `${'a'.repeat(42)}/`],
    ['dot', `${'a'.repeat(42)}.`],
    ['space', `${'a'.repeat(42)} `],
    ['percent', `${'a'.repeat(42)}%`],
    ['non-ASCII', `${'a'.repeat(42)}é`],
  ])('refuses a malformed token (%s)', (_name, token) => {
    expect(isWellFormedToken(token)).toBe(false);
  });

  test('are stored as their SHA-256 in hex, never as themselves', () => {
    const token = generateLinkToken();
    const hash = hashLinkToken(token);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
  });
});
