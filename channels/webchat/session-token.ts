import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A web chat session is anonymous: its id is random and the client keeps `<id>.<hmac>` (in
 * localStorage) to resume it after a reload. The HMAC, keyed by a stored hub secret, is what stops a
 * visitor from naming someone else's session: ids are never accepted without it.
 */
export interface ChatSession {
  id: string;
  token: string;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

function mac(secret: string, id: string): string {
  return createHmac('sha256', secret).update(`webchat-session\u0000${id}`).digest('base64url');
}

export function issueSession(secret: string): ChatSession {
  const id = randomBytes(16).toString('base64url');
  return { id, token: `${id}.${mac(secret, id)}` };
}

/** The session a token names, or null when it is malformed or not signed with `secret`. */
export function verifySessionToken(secret: string, token: string): ChatSession | null {
  const dot = token.indexOf('.');
  const id = token.slice(0, dot);
  if (dot < 0 || !ID_PATTERN.test(id)) return null;
  const expected = Buffer.from(mac(secret, id));
  const given = Buffer.from(token.slice(dot + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { id, token };
}
