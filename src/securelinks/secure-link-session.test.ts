import { parseCookies, signSession, verifySession } from './secure-link-session';

const SECRET = 'test-secret-one';
const LINK = '6f1f7a64-3f7e-4f59-9a55-3a1d2a8c0b11';
const NOW = 1_800_000_000_000;

describe('session cookies', () => {
  const value = signSession(SECRET, LINK, NOW + 60_000);

  test('verify for the link they were signed for, until they expire', () => {
    expect(verifySession(SECRET, value, LINK, NOW)).toBe(true);
    expect(verifySession(SECRET, value, LINK, NOW + 59_999)).toBe(true);
    expect(verifySession(SECRET, value, LINK, NOW + 60_000)).toBe(false);
  });

  test.each([
    ['another link', () => verifySession(SECRET, value, '00000000-0000-4000-8000-000000000000', NOW)],
    ['another secret', () => verifySession('test-secret-two', value, LINK, NOW)],
    ['a later expiry', () => verifySession(SECRET, value.replace(/\.\d+\./, `.${NOW + 9e9}.`), LINK, NOW)],
    ['a truncated signature', () => verifySession(SECRET, value.slice(0, -1), LINK, NOW)],
    ['no signature', () => verifySession(SECRET, `${LINK}.${NOW + 60_000}`, LINK, NOW)],
    ['garbage', () => verifySession(SECRET, 'x', LINK, NOW)],
    ['extra parts', () => verifySession(SECRET, `${value}.x`, LINK, NOW)],
  ])('refuse %s', (_name, check) => {
    expect(check()).toBe(false);
  });

  test('a value names the link id and expiry, signed: nothing else', () => {
    const [id, expires, signature] = value.split('.');
    expect(id).toBe(LINK);
    expect(Number(expires)).toBe(NOW + 60_000);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('parseCookies', () => {
  test.each([
    [undefined, {}],
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1; b=2', { a: '1', b: '2' }],
    ['a=1; a=2', { a: '1' }],
    ['junk; b= 2 ', { b: '2' }],
    ['v=x.y=z', { v: 'x.y=z' }],
  ])('%p', (header, expected) => {
    expect(Object.fromEntries(parseCookies(header))).toEqual(expected);
  });
});
