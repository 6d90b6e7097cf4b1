import { and, count, desc, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/database';
import { auditLog } from '../db/schema';

/** Wrong passwords for one account, since its last good login, within the window, before it locks. */
export const MAX_FAILED_LOGINS = 5;
/** Failed logins from one address, for any account, within the window, before it is refused. */
export const MAX_FAILED_LOGINS_PER_IP = 20;
export const LOCKOUT_MINUTES = 15;

/**
 * Login throttling read from the audit log, which already records every attempt: nothing to keep
 * in memory, and it holds across restarts and across hub processes.
 */
export async function loginLocked(
  db: Queryable,
  staffId: string | null,
  ip: string | null,
): Promise<boolean> {
  const since = sql`now() - make_interval(mins => ${LOCKOUT_MINUTES})`;
  if (ip) {
    const [byIp] = await db
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'staff.login_failed'), eq(auditLog.ip, ip), gt(auditLog.at, since)));
    if ((byIp?.n ?? 0) >= MAX_FAILED_LOGINS_PER_IP) return true;
  }
  if (!staffId) return false;
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
  return (failures?.n ?? 0) >= MAX_FAILED_LOGINS;
}
