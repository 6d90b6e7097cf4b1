import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { claimLoginAttempt, LOCKOUT_MINUTES } from './login-throttle';
import { verifyPassword } from './passwords';
import {
  CSRF_HEADER,
  csrfTokenFor,
  csrfTokenMatches,
  isSafeMethod,
  readCookie,
  SESSION_COOKIE,
  sessionCookieOptions,
} from './session-cookie';
import { findStaffByEmail } from './staff-directory';
import { type AuthenticatedStaff, authenticateSession, openSession, revokeSession } from './staff-sessions';

/** The session behind a staff request, and how it was presented. */
export interface StaffSession {
  token: string;
  expiresAt: Date;
  via: 'bearer' | 'cookie';
}

declare module 'express-serve-static-core' {
  interface Request {
    staff?: AuthenticatedStaff;
    staffSession?: StaffSession;
  }
}

export interface StaffAuthOptions {
  db: Database;
  sessionHours: number;
  /** Key of the CSRF token HMAC (a hub secret). */
  csrfSecret: string;
  /** Secure cookies when the hub is served over https (PUBLIC_URL). */
  secureCookie: boolean;
  /** A session was logged out: e.g. close the live sockets opened with it. */
  sessionEnded?(token: string): void;
}

const loginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const DUMMY_HASH =
  '$argon2id$v=19$m=65536,p=4,t=3$CSHe42uF/2NjS2+y8zb97g$ZrqBfZ22mzvt+jc5e1osiBsqeU30Xlw02O9YKJwptLM';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header ?? '');
  return match?.[1] ?? null;
}

/** The token a request presents: the Authorization header wins over the cookie. */
function presentedToken(req: Request): { token: string; via: 'bearer' | 'cookie' } | null {
  if (req.get('authorization')) {
    const token = bearerToken(req.get('authorization'));
    return token ? { token, via: 'bearer' } : null;
  }
  const cookie = readCookie(req.get('cookie'), SESSION_COOKIE);
  return cookie && TOKEN_PATTERN.test(cookie) ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Rejects requests without a live staff session with 401; sets `req.staff` otherwise. The session
 * comes from `Authorization: Bearer` or the `careline_session` cookie; a browser sends the cookie on
 * its own, so a cookie-authenticated unsafe request must also carry the CSRF token (403 otherwise).
 */
export function requireStaff(db: Database, csrfSecret: string): RequestHandler {
  return async (req, _res, next) => {
    const presented = presentedToken(req);
    const session = presented ? await authenticateSession(db, presented.token) : null;
    if (!presented || !session)
      throw new HttpError(401, 'unauthorized', 'A valid staff token is required (Authorization: Bearer …)');
    if (
      presented.via === 'cookie' &&
      !isSafeMethod(req.method) &&
      !csrfTokenMatches(csrfSecret, presented.token, req.get(CSRF_HEADER))
    ) {
      throw new HttpError(
        403,
        'csrf_failed',
        `A session cookie needs the ${CSRF_HEADER} header for this request`,
      );
    }
    req.staff = session.staff;
    req.staffSession = { token: presented.token, expiresAt: session.expiresAt, via: presented.via };
    next();
  };
}

export const presentSelf = (staff: AuthenticatedStaff) => ({
  id: staff.id,
  email: staff.email,
  name: staff.name,
  role: staff.role,
  queues: staff.queues,
});

export function authRouter(options: StaffAuthOptions): Router {
  const { db, sessionHours, csrfSecret } = options;
  const router = Router();
  const clearCookie = (res: Response) =>
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions({ secure: options.secureCookie }));

  router.post('/login', async (req, res) => {
    const { email, password } = loginBody.parse(req.body);
    const staff = await findStaffByEmail(db, email);
    // Counted before the password is checked: logins sent at once cannot all slip under the limit.
    const lock = await claimLoginAttempt(db, {
      email,
      staffId: staff?.id ?? null,
      ip: req.ip ?? null,
      requestId: req.id,
    });
    if (lock) {
      await writeAudit(db, {
        actorKind: 'staff',
        actorId: staff?.id ?? null,
        action: 'staff.login_locked',
        subjectType: 'staff',
        subjectId: staff?.id ?? null,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { lock },
      });
      res.set('Retry-After', String(LOCKOUT_MINUTES * 60));
      // An email's lockout comes, and reads, the same whether or not a staff member has that email:
      // it must not confirm an account. An address lockout is about the caller, whatever email it tries.
      if (lock === 'address') {
        throw new HttpError(
          429,
          'login_address_locked',
          `Too many failed logins from this address; try again in ${LOCKOUT_MINUTES} minutes`,
        );
      }
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
    res.cookie(
      SESSION_COOKIE,
      session.token,
      sessionCookieOptions({ secure: options.secureCookie, maxAgeMs: sessionHours * 3_600_000 }),
    );
    res.json({
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      csrfToken: csrfTokenFor(csrfSecret, session.token),
      staff: presentSelf(staff),
    });
  });

  // The page calls this on load: who is logged in (by cookie), and the CSRF token to send back.
  router.get('/me', requireStaff(db, csrfSecret), (req, res) => {
    const session = req.staffSession!;
    res.json({
      staff: presentSelf(req.staff!),
      csrfToken: csrfTokenFor(csrfSecret, session.token),
      expiresAt: session.expiresAt.toISOString(),
    });
  });

  router.post('/logout', requireStaff(db, csrfSecret), async (req, res) => {
    await revokeSession(db, req.staffSession!.token);
    options.sessionEnded?.(req.staffSession!.token);
    await writeAudit(db, {
      orgId: req.staff!.orgId,
      actorKind: 'staff',
      actorId: req.staff!.id,
      action: 'staff.logout',
      subjectType: 'staff',
      subjectId: req.staff!.id,
      ip: req.ip ?? null,
      requestId: req.id,
    });
    clearCookie(res);
    res.status(204).end();
  });
  return router;
}
