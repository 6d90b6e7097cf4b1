import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { errorBody, HttpError } from './http-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Turns a zod error into one sentence naming the fields, never echoing their values (they may be PHI). */
export function describeZodError(error: ZodError): { message: string; fields: string[] } {
  const fields = [...new Set(error.issues.map((issue) => issue.path.join('.') || '(body)'))];
  const first = error.issues[0];
  const detail = first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid request';
  return { message: `Invalid request: ${detail}`, fields };
}

export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}`));
  };
}

/** The one error handler at the end of the app: every error leaves as `{ error: { code, message } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof HttpError) {
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    if (err instanceof ZodError) {
      const { message, fields } = describeZodError(err);
      res.status(400).json(errorBody('validation_failed', message, { fields }));
      return;
    }
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      res
        .status(413)
        .json(errorBody('payload_too_large', 'The request body is larger than this endpoint accepts'));
      return;
    }
    if (parserError?.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('malformed_body', 'The request body could not be parsed'));
      return;
    }
    if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      res.status(parserError.status).json(errorBody('bad_request', 'The request could not be read'));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // Nothing was stored and nothing was acknowledged: the sender (Twilio, a page) tries again.
      logger.warn({ requestId: req.id }, 'database unavailable; answered 503');
      res
        .status(503)
        .set('Retry-After', '5')
        .json(
          errorBody('database_unavailable', 'The hub cannot reach its database right now; try again shortly'),
        );
      return;
    }
    logger.error({ err, requestId: req.id }, 'unhandled error');
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side; it has been logged'));
  };
}
