import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { secureLinks } from '../platform/db/schema';
import type { SecureLinkRow } from './secure-link-store';

/** How long a link stays unread before the patient is reminded once. */
export const REMINDER_AFTER_HOURS = 24;

/**
 * Links worth one reminder at `now`: never verified, not locked, not expired, issued more than
 * `REMINDER_AFTER_HOURS` ago and not reminded yet. Oldest first.
 */
export async function findLinksNeedingReminder(
  db: Queryable,
  now: Date,
  limit = 500,
): Promise<SecureLinkRow[]> {
  const issuedBefore = new Date(now.getTime() - REMINDER_AFTER_HOURS * 3_600_000);
  return db
    .select()
    .from(secureLinks)
    .where(
      and(
        isNull(secureLinks.verifiedAt),
        isNull(secureLinks.lockedAt),
        isNull(secureLinks.reminderSentAt),
        gt(secureLinks.expiresAt, now),
        lt(secureLinks.createdAt, issuedBefore),
      ),
    )
    .orderBy(secureLinks.createdAt)
    .limit(limit);
}

/**
 * Marks a link reminded. True only for the caller that set it, so two sweeps that race (or a job
 * that runs twice) send one reminder: send only after this returned true, in the same transaction.
 */
export async function markReminderSent(
  db: Queryable,
  linkId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const updated = await db
    .update(secureLinks)
    .set({ reminderSentAt: now })
    .where(and(eq(secureLinks.id, linkId), isNull(secureLinks.reminderSentAt)))
    .returning({ id: secureLinks.id });
  return updated.length > 0;
}
