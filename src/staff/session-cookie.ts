import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CookieOptions } from 'express';

/** The staff session cookie of the inbox page: the same token as the Bearer one, HttpOnly. */
export const SESSION_COOKIE = 'careline_session';
/** The header a cookie-authenticated request with an unsafe method must carry. */
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * The CSRF token of a session: an HMAC of its token, so nothing extra is stored and a page that can
 * read it (from the login answer or `/auth/me`) proves it is same-origin script, not a forged form.
 */
export function csrfTokenFor(secret: string, sessionToken: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionToken}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(secret: string, sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function sessionCookieOptions(options: { secure: boolean; maxAgeMs?: number }): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: options.secure,
    ...(options.maxAgeMs !== undefined ? { maxAge: options.maxAgeMs } : {}),
  };
}

/** The value of one cookie in a Cookie header (first occurrence wins), or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** True for methods that change nothing (and so need no CSRF token). */
export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
