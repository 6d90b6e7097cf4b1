import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Database } from '../db/database';
import { HttpError } from '../http/http-error';
import { LOCKOUT_MINUTES, loginLocked } from './login-throttle';
import { verifyPassword } from './passwords';
import { findStaffByEmail } from './staff-directory';
import { type AuthenticatedStaff, authenticateToken, openSession, revokeSession } from './staff-sessions';

declare module 'express-serve-static-core' {
  interface Request {
    staff?: AuthenticatedStaff;
  }
}

const loginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const DUMMY_HASH =
  '$argon2id$v=19$m=65536,p=4,t=3$CSHe42uF/2NjS2+y8zb97g$ZrqBfZ22mzvt+jc5e1osiBsqeU30Xlw02O9YKJwptLM';

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Rejects requests without a live staff session with 401; sets `req.staff` otherwise. */
export function requireStaff(db: Database): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.get('authorization'));
    const staff = token ? await authenticateToken(db, token) : null;
    if (!staff)
      throw new HttpError(401, 'unauthorized', 'A valid staff token is required (Authorization: Bearer …)');
    req.staff = staff;
    next();
  };
}

export function authRouter(db: Database, sessionHours: number): Router {
  const router = Router();
  router.post('/login', async (req, res) => {
    const { email, password } = loginBody.parse(req.body);
    const staff = await findStaffByEmail(db, email);
    if (await loginLocked(db, staff?.id ?? null, req.ip ?? null)) {
      await writeAudit(db, {
        actorKind: 'staff',
        actorId: staff?.id ?? null,
        action: 'staff.login_locked',
        subjectType: 'staff',
        subjectId: staff?.id ?? null,
        ip: req.ip ?? null,
        requestId: req.id,
      });
      // The same answer whether or not the email exists: a lockout must not confirm an account.
      throw new HttpError(
        429,
        'login_locked',
        `Too many failed logins; try again in ${LOCKOUT_MINUTES} minutes`,
      );
    }
    const valid = await verifyPassword(staff?.passwordHash ?? DUMMY_HASH, password);
    if (!staff || !valid || staff.disabledAt) {
      await writeAudit(db, {
        actorKind: 'staff',
        actorId: staff?.id ?? null,
        action: 'staff.login_failed',
        subjectType: 'staff',
        subjectId: staff?.id ?? null,
        ip: req.ip ?? null,
        requestId: req.id,
      });
      throw new HttpError(401, 'invalid_credentials', 'Email or password is wrong');
    }
    const session = await openSession(db, staff.id, sessionHours);
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: 'staff.login',
      subjectType: 'staff',
      subjectId: staff.id,
      ip: req.ip ?? null,
      requestId: req.id,
    });
    res.json({
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      staff: { id: staff.id, email: staff.email, name: staff.name, role: staff.role, queues: staff.queues },
    });
  });
  router.post('/logout', requireStaff(db), async (req, res) => {
    const token = bearerToken(req.get('authorization'));
    if (token) await revokeSession(db, token);
    res.status(204).end();
  });
  return router;
}
