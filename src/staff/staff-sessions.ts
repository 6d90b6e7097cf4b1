import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { staffSessions, staffUsers } from '../platform/db/schema';
import type { StaffRow } from './staff-directory';

export type AuthenticatedStaff = Pick<StaffRow, 'id' | 'orgId' | 'email' | 'name' | 'role' | 'queues'>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** What names one session without being its token (the stored hash): e.g. the socket room of a session. */
export const sessionKey = hashToken;

/** Opens a session and returns its bearer token (256 random bits); only the hash is stored. */
export async function openSession(
  db: Queryable,
  staffId: string,
  lifetimeHours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + lifetimeHours * 3_600_000);
  await db.insert(staffSessions).values({ staffId, tokenHash: hashToken(token), expiresAt });
  return { token, expiresAt };
}

/** The staff member behind a live, unrevoked session token and when that session ends, or null. */
export async function authenticateSession(
  db: Queryable,
  token: string,
): Promise<{ staff: AuthenticatedStaff; expiresAt: Date } | null> {
  const [row] = await db
    .select({
      staff: {
        id: staffUsers.id,
        orgId: staffUsers.orgId,
        email: staffUsers.email,
        name: staffUsers.name,
        role: staffUsers.role,
        queues: staffUsers.queues,
      },
      expiresAt: staffSessions.expiresAt,
    })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.staffId))
    .where(
      and(
        eq(staffSessions.tokenHash, hashToken(token)),
        isNull(staffSessions.revokedAt),
        gt(staffSessions.expiresAt, sql`now()`),
        isNull(staffUsers.disabledAt),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** The staff member behind a live, unrevoked session token, or null. */
export async function authenticateToken(db: Queryable, token: string): Promise<AuthenticatedStaff | null> {
  return (await authenticateSession(db, token))?.staff ?? null;
}

export async function revokeSession(db: Queryable, token: string): Promise<void> {
  await db
    .update(staffSessions)
    .set({ revokedAt: sql`now()` })
    .where(eq(staffSessions.tokenHash, hashToken(token)));
}

/** Ends every live session of a staff member (disabled account, new password). */
export async function revokeAllSessions(db: Queryable, staffId: string): Promise<void> {
  await db
    .update(staffSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(staffSessions.staffId, staffId), isNull(staffSessions.revokedAt)));
}
