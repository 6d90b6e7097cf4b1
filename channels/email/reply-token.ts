import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex digits of HMAC-SHA256 kept in a reply address: 64 bits, enough against guessing. */
const MAC_LENGTH = 16;
const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/;
const LOCAL_PART = /^reply\+([0-9a-f]{32})\.([0-9a-f]{16})$/;

function mac(secret: string, messageId: string): string {
  return createHmac('sha256', secret).update(`email-reply:${messageId}`).digest('hex').slice(0, MAC_LENGTH);
}

/**
 * The local part `reply+<message id without dashes>.<mac>` of the address a reply to an outbound
 * message goes to. Lower-case hex only, because some mail systems lower-case local parts.
 */
export function signReplyLocalPart(secret: string, messageId: string): string {
  const match = UUID.exec(messageId.toLowerCase());
  if (!match) throw new Error('reply tokens are made for message ids (UUIDs) only');
  const compact = match.slice(1).join('');
  return `reply+${compact}.${mac(secret, messageId.toLowerCase())}`;
}

/** The outbound message id a reply address stands for, or null when it is not one we signed. */
export function verifyReplyAddress(secret: string, address: string): string | null {
  const at = address.lastIndexOf('@');
  const local = (at === -1 ? address : address.slice(0, at)).trim().toLowerCase();
  const match = LOCAL_PART.exec(local);
  if (!match) return null;
  const [, compact, given] = match as unknown as [string, string, string];
  const messageId = `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
  const expected = Buffer.from(mac(secret, messageId));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? messageId : null;
}

/** True when the address has the shape of a reply address (signed or forged). */
export function looksLikeReplyAddress(address: string): boolean {
  return /^reply\+/i.test(address.trim());
}
