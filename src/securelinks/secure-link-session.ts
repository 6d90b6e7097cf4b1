import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the short session cookie set once the date of birth is confirmed (Path is the link's own). */
export const SESSION_COOKIE = 'sl_session';
/** How long a confirmed date of birth keeps the content open without asking again. */
export const SESSION_MINUTES = 15;

/** Signs `<linkId>.<expiresAtMs>` with HMAC-SHA256: the cookie value of a verified session. */
export function signSession(secret: string, linkId: string, expiresAtMs: number): string {
  const payload = `${linkId}.${expiresAtMs}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** True when the cookie value was signed with `secret`, names this link and has not expired at `nowMs`. */
export function verifySession(secret: string, value: string, linkId: string, nowMs: number): boolean {
  const parts = value.split('.');
  if (parts.length !== 3) return false;
  const [id, expires, signature] = parts as [string, string, string];
  if (!/^\d{1,15}$/.test(expires)) return false;
  const expected = Buffer.from(mac(secret, `${id}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return id === linkId && Number(expires) > nowMs;
}

/**
 * The form token of a verified session: an HMAC of the session cookie's value under the same secret,
 * so it needs no storage and dies with the session. The cookie is HttpOnly and the token is only ever
 * written into the pages of that session, so another site can neither read nor guess it.
 */
export function csrfTokenFor(secret: string, sessionValue: string): string {
  return mac(secret, `csrf:${sessionValue}`);
}

/** True when `given` is the form token of the session whose cookie value is `sessionValue`. */
export function verifyCsrfToken(secret: string, sessionValue: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionValue));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('base64url');
}

/** The cookies of a request header, by name (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}
