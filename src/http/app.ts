import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { errorHandler, notFoundHandler } from './error-handler';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface AppParts {
  logger: Logger;
  /** Routers mounted in order before the 404 and error handlers. */
  routers: Router[];
  trustProxy?: boolean | number | string;
}

/** The express app: request ids, access logs without bodies or query strings, JSON errors. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', parts.trustProxy ?? 'loopback');
  app.use(
    pinoHttp({
      logger: parts.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Paths only: query strings and bodies may carry PHI.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  for (const router of parts.routers) app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler(parts.logger));
  return app;
}
