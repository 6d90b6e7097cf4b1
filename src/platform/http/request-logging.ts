import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's X-Request-Id when well-formed, else a new UUID. Joins webhook and job logs. */
    id: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/** Paths whose segments are secrets (a secure-link token is a live key to PHI): logged with a placeholder. */
export function loggablePath(originalUrl: string): string {
  const path = originalUrl.split('?')[0] ?? '';
  return path.replace(/^\/s\/[^/]+/, '/s/:token');
}

/**
 * Gives each request an id and logs one line when it finishes: method, path (never the query
 * string), status and duration. Bodies are never logged; they may carry PHI.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = loggablePath(req.originalUrl);
      if (QUIET_PATHS.has(path)) return;
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger[level](
        { requestId: req.id, method: req.method, path, status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
