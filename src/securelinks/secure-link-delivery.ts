import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { secureLinks } from '../platform/db/schema';
import { generateLinkToken, hashLinkToken } from './secure-link-token';

/**
 * What stands for a link's token in everything the hub keeps: the stored notice, its email HTML,
 * the staff API, the sandbox thread. As long as a real token (43 characters) and made of a
 * character that is in SMS's GSM-7 alphabet and inert in HTML and URLs, so the stored notice
 * counts the same SMS segments as the one that goes out; a real token (base64url) never holds it.
 */
export const MASKED_TOKEN = '*'.repeat(43);

/** The address of a link as stored and shown to staff: the hub's, with the token masked. */
export function maskedLinkUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/s/${MASKED_TOKEN}`;
}

/**
 * Gives the link a new token, right before a notice carrying it is handed to the provider, and
 * returns it; null when the link can no longer be opened (locked, expired or gone). Until then no
 * token that opens the link exists anywhere: the hash stored at issue time is of a token nobody
 * kept. The token lives in memory for one provider call and is never stored in clear.
 *
 * Called at every send attempt: a retry after a provider error or a crash gets a new token and the
 * one before dies, so a notice whose fate is unknown never leaves a second live key behind, and a
 * retry never needs a token kept somewhere (encrypted or not) between attempts.
 */
export async function renewLinkTokenForSend(db: Queryable, linkId: string): Promise<string | null> {
  const token = generateLinkToken();
  const renewed = await db
    .update(secureLinks)
    .set({ tokenHash: hashLinkToken(token) })
    .where(
      and(eq(secureLinks.id, linkId), isNull(secureLinks.lockedAt), gt(secureLinks.expiresAt, sql`now()`)),
    )
    .returning({ id: secureLinks.id });
  return renewed.length > 0 ? token : null;
}

/** The text as it goes out: every masked link address carries the live token instead. */
export function revealLinkToken(text: string, token: string): string {
  return text.replaceAll(`/s/${MASKED_TOKEN}`, `/s/${token}`);
}

/**
 * True when `sent` is the text a send of `stored` put on the wire: the same, except that each
 * masked token may be any token. How a lost send is recognised at the provider (reconciliation).
 */
export function isSameNotice(stored: string, sent: string): boolean {
  if (!stored.includes(`/s/${MASKED_TOKEN}`)) return stored === sent;
  const pattern = stored
    .split(`/s/${MASKED_TOKEN}`)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('/s/[A-Za-z0-9_-]{43}');
  return new RegExp(`^${pattern}$`).test(sent);
}
