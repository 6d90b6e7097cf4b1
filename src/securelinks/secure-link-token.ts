import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits) encode to 43 base64url characters without padding. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new link token. Only its hash is stored; the token itself exists in the link sent to the patient. */
export function generateLinkToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** True when the token could have come from `generateLinkToken`: anything else is refused before any lookup. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** SHA-256 hex of the token, as stored in `secure_links.token_hash`. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
