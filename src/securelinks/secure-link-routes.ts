import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type AuditEntry, writeAudit } from '../platform/audit/audit-log';
import type { Database, Queryable } from '../platform/db/database';
import { issueChatHandoff } from './chat-handoff';
import { datesOfBirthMatch, parseDateOfBirth } from './date-of-birth';
import {
  type ClinicInfo,
  contentPage,
  dateOfBirthPage,
  lockedPage,
  unavailablePage,
  unreadablePage,
} from './secure-link-pages';
import { appendSecureLinkReply } from './secure-link-replies';
import {
  csrfTokenFor,
  parseCookies,
  SESSION_COOKIE,
  SESSION_MINUTES,
  signSession,
  verifyCsrfToken,
  verifySession,
} from './secure-link-session';
import {
  contactDateOfBirth,
  findSecureLinkByToken,
  loadLinkMessages,
  markSecureLinkOpened,
  recordFailedAttempt,
  recordVerified,
  type SecureLinkRow,
} from './secure-link-store';
import { isWellFormedToken } from './secure-link-token';

export interface SecureLinkRouterDeps {
  db: Database;
  /** PUBLIC_URL: its origin is what a reply's Origin header must be; its path prefixes the cookie path. */
  publicUrl: string;
  clinic: ClinicInfo;
  logger: Logger;
  /** Signs the session cookie (HMAC-SHA256). A stored hub secret, so sessions survive a restart. */
  cookieSecret: string;
  /** Called after a patient's reply is committed, e.g. to enqueue triage. Failures are logged only. */
  onReply?: (messageId: string, meta: { requestId: string }) => Promise<void> | void;
  /**
   * The web chat page (`/chat`), when the hub has one: the content page then offers "Chat with the
   * clinic", which hands the confirmed patient over to a verified chat session (chat-handoff.ts).
   */
  chatPage?: string;
  /** Told when a link is opened (the messages behind it), e.g. so a campaign's live figures move. */
  onOpened?: (link: Pick<SecureLinkRow, 'messageIds'>) => void;
}

export const MAX_REPLY_CHARS = 2000;

const SECURITY_HEADERS: Record<string, string> = {
  // img-src for the favicon only (/favicon.svg): the page shows no image.
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'",
  'Cache-Control': 'no-store',
  // The page's URL holds the token, a key to PHI: it must never reach another site as a Referer.
  // `same-origin` keeps it from every other site, as `no-referrer` did, while letting our own form
  // posts carry their Origin: under `no-referrer` browsers send `Origin: null` on a form post, and
  // a patient's reply was refused as cross-site. A same-origin Referer only goes to this hub,
  // which logs neither Referers nor tokens.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

const submissionId = z.uuid();

type LinkState =
  | { kind: 'unavailable'; status: 404 | 410; link?: SecureLinkRow }
  | { kind: 'locked'; link: SecureLinkRow }
  | { kind: 'open'; link: SecureLinkRow };

/**
 * The patient side of secure links: `/s/:token` asks for the date of birth, then shows the messages
 * behind the link and takes a reply. Pages are server-rendered strings with every value escaped.
 */
export function secureLinkRouter(deps: SecureLinkRouterDeps): Router {
  const { db, clinic, logger } = deps;
  const base = new URL(deps.publicUrl);
  const pathPrefix = base.pathname.replace(/\/+$/, '');
  const secureCookie = base.protocol === 'https:';
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 10 });
  const router = Router();

  router.use('/s', hardenLinkResponses);

  const page = (res: Response, status: number, html: string) => {
    res.status(status).type('html').send(html);
  };

  const audit = (tx: Queryable, req: Request, link: SecureLinkRow, action: string, detail = {}) =>
    writeAudit(tx, auditEntry(req, link, action, detail));

  async function linkState(token: string): Promise<LinkState> {
    if (!isWellFormedToken(token)) return { kind: 'unavailable', status: 404 };
    const link = await findSecureLinkByToken(db, token);
    if (!link) return { kind: 'unavailable', status: 404 };
    if (link.expiresAt.getTime() <= Date.now()) return { kind: 'unavailable', status: 410, link };
    if (link.lockedAt) return { kind: 'locked', link };
    return { kind: 'open', link };
  }

  /** Answers for a link that cannot be used; returns the open link otherwise. */
  async function openLinkOr(req: Request, res: Response, token: string): Promise<SecureLinkRow | null> {
    const state = await linkState(token);
    if (state.kind === 'open') return state.link;
    if (state.kind === 'unavailable') {
      if (state.link) await audit(db, req, state.link, 'securelink.opened', { outcome: 'expired' });
      page(res, state.status, unavailablePage(clinic));
    } else {
      // A date of birth posted to a locked link is one more failed try; anything else is an opening.
      const guess = req.method === 'POST' && !/\/(reply|chat)$/.test(req.path);
      await audit(db, req, state.link, guess ? 'securelink.failed' : 'securelink.opened', {
        outcome: 'locked',
      });
      page(res, 423, lockedPage(clinic));
    }
    return null;
  }

  /** The request's session cookie value when it is a live session of this link, else null. */
  const sessionOf = (req: Request, link: SecureLinkRow): string | null => {
    const value = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    return value !== undefined && verifySession(deps.cookieSecret, value, link.id, Date.now()) ? value : null;
  };

  /**
   * May this form post act for the link's session? Three locks, any of which stops a cross-site
   * post on its own: the session cookie is SameSite=Strict (a post from another site arrives
   * without it); the form must carry the session's token (csrf), which only our own pages of that
   * session hold; and an Origin naming another site is refused. `Origin: null` is not refused: a
   * browser sends it for privacy reasons (a strict Referrer-Policy, some extensions) on perfectly
   * good posts, and it carries no claim to be anyone; the token decides then.
   */
  const mayPost = (req: Request, session: string | null): session is string => {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== base.origin) return false;
    const fields = (req.body ?? {}) as Record<string, unknown>;
    return session !== null && verifyCsrfToken(deps.cookieSecret, session, fields.csrf);
  };

  const linkPath = (token: string) => `${pathPrefix}/s/${token}`;

  async function showContent(
    res: Response,
    link: SecureLinkRow,
    token: string,
    session: string,
    status: number,
    notice?: 'sent' | 'reply_invalid',
  ) {
    const messages = await loadLinkMessages(db, link);
    page(
      res,
      status,
      contentPage(clinic, {
        messages,
        replyAction: `${linkPath(token)}/reply`,
        chatAction: deps.chatPage ? `${linkPath(token)}/chat` : undefined,
        submissionId: randomUUID(),
        csrfToken: csrfTokenFor(deps.cookieSecret, session),
        notice,
      }),
    );
  }

  router.get('/s/:token', async (req, res) => {
    const { token } = req.params;
    const link = await openLinkOr(req, res, token);
    if (!link) return;
    const session = sessionOf(req, link);
    await markSecureLinkOpened(db, link.id);
    deps.onOpened?.(link);
    await audit(db, req, link, 'securelink.opened', { outcome: session ? 'session' : 'asked_dob' });
    if (session) await showContent(res, link, token, session, 200);
    else page(res, 200, dateOfBirthPage(clinic, linkPath(token)));
  });

  router.post('/s/:token', form, async (req, res) => {
    const { token } = req.params;
    const link = await openLinkOr(req, res, token);
    if (!link) return;
    const dob = parseDateOfBirth((req.body as Record<string, unknown> | undefined)?.dob);
    // A typo in the shape is not a guess: it does not count against the attempts.
    if (!dob) return page(res, 400, dateOfBirthPage(clinic, linkPath(token), 'format'));

    if (!datesOfBirthMatch(dob, await contactDateOfBirth(db, link.contactId))) {
      const attempt = await recordFailedAttempt(db, link.id);
      if (!attempt) return page(res, 423, lockedPage(clinic));
      await audit(db, req, link, 'securelink.failed', { failedAttempts: attempt.failedAttempts });
      if (attempt.locked) {
        await audit(db, req, link, 'securelink.locked', { failedAttempts: attempt.failedAttempts });
        logger.warn(
          { requestId: req.id, secureLinkId: link.id },
          'secure link locked after wrong dates of birth',
        );
        return page(res, 423, lockedPage(clinic));
      }
      return page(res, 403, dateOfBirthPage(clinic, linkPath(token), 'mismatch'));
    }

    const verified = await db.transaction(async (tx) => {
      if (!(await recordVerified(tx, link))) return false;
      await audit(tx, req, link, 'securelink.verified', { messageCount: link.messageIds.length });
      return true;
    });
    // Locked or expired between the lookup and the answer (a parallel wrong guess, the clock).
    if (!verified) {
      if (await openLinkOr(req, res, token)) page(res, 423, lockedPage(clinic));
      return;
    }

    const expiresAt = Date.now() + SESSION_MINUTES * 60_000;
    const session = signSession(deps.cookieSecret, link.id, expiresAt);
    res.cookie(SESSION_COOKIE, session, {
      maxAge: SESSION_MINUTES * 60_000,
      path: linkPath(token),
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie,
    });
    await showContent(res, link, token, session, 200);
  });

  router.post('/s/:token/reply', form, async (req, res) => {
    const { token } = req.params;
    const link = await openLinkOr(req, res, token);
    if (!link) return;
    const session = sessionOf(req, link);
    if (!mayPost(req, session)) {
      return page(res, 403, dateOfBirthPage(clinic, linkPath(token), 'session_expired'));
    }
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const body = typeof fields.body === 'string' ? fields.body.trim() : '';
    if (body.length === 0 || body.length > MAX_REPLY_CHARS) {
      return showContent(res, link, token, session, 400, 'reply_invalid');
    }
    const submission = submissionId.safeParse(fields.submission);
    const receipt = await db.transaction(async (tx) => {
      const stored = await appendSecureLinkReply(tx, link, {
        body,
        submissionId: submission.success ? submission.data : randomUUID(),
        requestId: req.id,
      });
      if (!stored.duplicate) {
        await audit(tx, req, link, 'securelink.reply', {
          messageId: stored.messageId,
          conversationId: stored.conversationId,
        });
      }
      return stored;
    });
    if (!receipt.duplicate && deps.onReply) {
      try {
        await deps.onReply(receipt.messageId, { requestId: req.id });
      } catch (err) {
        // The reply is stored; triage's sweeper finds messages whose job was never enqueued.
        logger.warn(
          { err, requestId: req.id, messageId: receipt.messageId },
          'secure link reply hook failed',
        );
      }
    }
    await showContent(res, link, token, session, 200, 'sent');
  });

  // "Chat with the clinic": only with the session the date of birth opened, and from our own page.
  // The handoff goes in the URL fragment, which the browser keeps to itself: not in the request the
  // chat page makes, nor in any log; the page reads it and presents it over the chat socket.
  router.post('/s/:token/chat', form, async (req, res) => {
    const { token } = req.params;
    if (!deps.chatPage) return page(res, 404, unavailablePage(clinic));
    const link = await openLinkOr(req, res, token);
    if (!link) return;
    if (!mayPost(req, sessionOf(req, link))) {
      return page(res, 403, dateOfBirthPage(clinic, linkPath(token), 'session_expired'));
    }
    const handoff = await issueChatHandoff(db, link);
    await audit(db, req, link, 'securelink.chat_handoff');
    res.redirect(303, `${pathPrefix}${deps.chatPage}#handoff=${handoff}`);
  });

  router.use('/s', bodyErrorPage(clinic));
  return router;
}

function auditEntry(
  req: Request,
  link: SecureLinkRow,
  action: string,
  detail: Record<string, unknown>,
): AuditEntry {
  return {
    orgId: link.orgId,
    actorKind: 'patient',
    actorId: link.contactId,
    action,
    subjectType: 'secure_link',
    subjectId: link.id,
    ip: req.ip ?? null,
    requestId: req.id,
    detail,
  };
}

/** Security headers on every link response. (The access log redacts the token: src/platform/http/request-logging.ts.) */
const hardenLinkResponses: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

/** Unreadable or oversized form bodies answer with a page, not the API's JSON error. */
function bodyErrorPage(clinic: ClinicInfo): ErrorRequestHandler {
  return (err: { type?: string; status?: number }, _req, res, next) => {
    if (typeof err?.status !== 'number' || err.status < 400 || err.status >= 500) return next(err);
    res
      .status(err.type === 'entity.too.large' ? 413 : 400)
      .type('html')
      .send(unreadablePage(clinic));
  };
}
