import { and, count, desc, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/database';
import { auditLog } from '../db/schema';

/** Wrong passwords for one account, since its last good login, within the window, before it locks. */
export const MAX_FAILED_LOGINS = 5;
/** Failed logins from one address, for any account, within the window, before it is refused. */
export const MAX_FAILED_LOGINS_PER_IP = 20;
export const LOCKOUT_MINUTES = 15;

/** Why a login is refused before its password is checked: too many failures of the account, or from the address. */
export type LoginLock = 'account' | 'address';

/**
 * Login throttling read from the audit log, which already records every attempt: nothing to keep
 * in memory, and it holds across restarts and across hub processes. Null when the login may go ahead.
 */
export async function loginLocked(
  db: Queryable,
  staffId: string | null,
  ip: string | null,
): Promise<LoginLock | null> {
  const since = sql`now() - make_interval(mins => ${LOCKOUT_MINUTES})`;
  if (ip) {
    const [byIp] = await db
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'staff.login_failed'), eq(auditLog.ip, ip), gt(auditLog.at, since)));
    if ((byIp?.n ?? 0) >= MAX_FAILED_LOGINS_PER_IP) return 'address';
  }
  if (!staffId) return null;
  const [lastGood] = await db
    .select({ at: auditLog.at })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.subjectType, 'staff'),
        eq(auditLog.subjectId, staffId),
        eq(auditLog.action, 'staff.login'),
      ),
    )
    .orderBy(desc(auditLog.at))
    .limit(1);
  const [failures] = await db
    .select({ n: count() })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.subjectType, 'staff'),
        eq(auditLog.subjectId, staffId),
        eq(auditLog.action, 'staff.login_failed'),
        gt(auditLog.at, since),
        lastGood ? gt(auditLog.at, lastGood.at) : undefined,
      ),
    );
  return (failures?.n ?? 0) >= MAX_FAILED_LOGINS ? 'account' : null;
}
