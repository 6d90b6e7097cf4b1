import { createHash } from 'node:crypto';
import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../platform/db/database';
import { auditLog } from '../platform/db/schema';

/** Passwords tried for one email, since its last good login, within the window, before it locks. */
export const MAX_FAILED_LOGINS = 5;
/** Failed logins from one address, for any account, within the window, before it is refused. */
export const MAX_FAILED_LOGINS_PER_IP = 20;
export const LOCKOUT_MINUTES = 15;

/** Why a login is refused before its password is checked: too many tries of the email, or from the address. */
export type LoginLock = 'account' | 'address';

/** The audit action of a password about to be checked: counted as a failure until the login succeeds. */
const ATTEMPT_ACTION = 'staff.login_attempt';
const ATTEMPT_SUBJECT = 'staff_login';

/**
 * The email an attempt is counted under, hashed: unknown emails lock exactly like staff ones (the
 * lockout must not tell them apart), and what someone typed is not kept in clear.
 */
export const loginKey = (email: string) =>
  createHash('sha256').update(`staff-login:${email.trim().toLowerCase()}`).digest('hex');

async function lockedFor(
  tx: Transaction,
  attempt: { key: string; staffId: string | null; ip: string | null },
): Promise<LoginLock | null> {
  const since = sql`now() - make_interval(mins => ${LOCKOUT_MINUTES})`;
  if (attempt.ip) {
    // Attempts from the address less its good logins: failures, and passwords being checked now.
    const [tried] = await tx
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, ATTEMPT_ACTION), eq(auditLog.ip, attempt.ip), gt(auditLog.at, since)));
    const [good] = await tx
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'staff.login'), eq(auditLog.ip, attempt.ip), gt(auditLog.at, since)));
    if ((tried?.n ?? 0) - (good?.n ?? 0) >= MAX_FAILED_LOGINS_PER_IP) return 'address';
  }
  // Read in SQL, not through a JS Date: a millisecond clock would count the good login's own attempt.
  const lastGood = attempt.staffId
    ? sql`coalesce((select max(${auditLog.at}) from ${auditLog} where ${auditLog.subjectType} = 'staff' and ${auditLog.subjectId} = ${attempt.staffId} and ${auditLog.action} = 'staff.login'), '-infinity')`
    : undefined;
  const [tried] = await tx
    .select({ n: count() })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.subjectType, ATTEMPT_SUBJECT),
        eq(auditLog.subjectId, attempt.key),
        eq(auditLog.action, ATTEMPT_ACTION),
        gt(auditLog.at, since),
        lastGood ? gt(auditLog.at, lastGood) : undefined,
      ),
    );
  return (tried?.n ?? 0) >= MAX_FAILED_LOGINS ? 'account' : null;
}

/**
 * Counts a login attempt before its password is checked, or refuses it. Under transaction-scoped
 * advisory locks on the email and the address, the count is read and the attempt recorded in one
 * step: logins sent at once are counted one after the other, so no more than the limit of them ever
 * reach the password check. Read from the audit log, the limits hold across restarts and processes;
 * an attempt whose process dies before the check counts as a failure. Null when the login may go ahead.
 */
export async function claimLoginAttempt(
  db: Database,
  attempt: { email: string; staffId: string | null; ip: string | null; requestId: string | null },
): Promise<LoginLock | null> {
  const key = loginKey(attempt.email);
  return db.transaction(async (tx) => {
    // Always the email's lock first, then the address's: two logins never wait on each other in a cycle.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`login:email:${key}`}, 0))`);
    if (attempt.ip) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`login:ip:${attempt.ip}`}, 0))`);
    }
    const lock = await lockedFor(tx, { key, staffId: attempt.staffId, ip: attempt.ip });
    if (lock) return lock;
    await tx.insert(auditLog).values({
      actorKind: 'staff',
      actorId: attempt.staffId,
      action: ATTEMPT_ACTION,
      subjectType: ATTEMPT_SUBJECT,
      subjectId: key,
      ip: attempt.ip,
      requestId: attempt.requestId,
      // The clock, not the transaction's start: an attempt that waited for the lock counts from when it got it.
      at: sql`clock_timestamp()`,
    });
    return null;
  });
}
