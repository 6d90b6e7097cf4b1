import { and, eq, exists, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { secureLinkChatHandoffs, secureLinks } from '../platform/db/schema';
import type { SecureLinkRow } from './secure-link-store';
import { generateLinkToken, hashLinkToken, isWellFormedToken } from './secure-link-token';

/** How long a handoff may wait between the click on the link page and the chat page presenting it. */
export const CHAT_HANDOFF_TTL_SECONDS = 5 * 60;

/**
 * A handoff from a secure link whose date of birth was just confirmed to the web chat: 256 random
 * bits, of which only the SHA-256 is stored (as for the links themselves), so nobody can make one
 * up and a database leak does not leak live ones. The patient's browser carries it to `/chat` in
 * the URL fragment, which is never sent to a server or a log.
 */
export async function issueChatHandoff(db: Queryable, link: SecureLinkRow): Promise<string> {
  const token = generateLinkToken();
  await db.insert(secureLinkChatHandoffs).values({
    tokenHash: hashLinkToken(token),
    orgId: link.orgId,
    secureLinkId: link.id,
    contactId: link.contactId,
    expiresAt: new Date(Date.now() + CHAT_HANDOFF_TTL_SECONDS * 1000),
  });
  // Spent and expired handoffs are of no use to anyone: a day's grace, then gone.
  await db
    .delete(secureLinkChatHandoffs)
    .where(lt(secureLinkChatHandoffs.expiresAt, sql`now() - interval '1 day'`));
  return token;
}

/**
 * Redeems a handoff, once: the contact and link it stands for, or null when it is malformed,
 * unknown, already used, expired, or its link was locked or expired since. One UPDATE, so two
 * sessions presenting the same handoff at once cannot both get it.
 */
export async function redeemChatHandoff(
  tx: Queryable,
  orgId: string,
  token: string,
): Promise<{ contactId: string; secureLinkId: string } | null> {
  if (!isWellFormedToken(token)) return null;
  const [row] = await tx
    .update(secureLinkChatHandoffs)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(secureLinkChatHandoffs.tokenHash, hashLinkToken(token)),
        eq(secureLinkChatHandoffs.orgId, orgId),
        isNull(secureLinkChatHandoffs.usedAt),
        gt(secureLinkChatHandoffs.expiresAt, sql`now()`),
        exists(
          tx
            .select({ one: sql`1` })
            .from(secureLinks)
            .where(
              and(
                eq(secureLinks.id, secureLinkChatHandoffs.secureLinkId),
                eq(secureLinks.contactId, secureLinkChatHandoffs.contactId),
                isNull(secureLinks.lockedAt),
                gt(secureLinks.expiresAt, sql`now()`),
              ),
            ),
        ),
      ),
    )
    .returning({
      contactId: secureLinkChatHandoffs.contactId,
      secureLinkId: secureLinkChatHandoffs.secureLinkId,
    });
  return row ?? null;
}
