import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { TrustFunction } from './client-address';
import { errorHandler, notFoundHandler } from './error-handler';
import { requestLogging } from './request-logging';

export interface AppParts {
  logger: Logger;
  /** Routers mounted in order before the 404 and error handlers. */
  routers: Router[];
  /** Which proxies may name the client (TRUST_PROXY, compiled): `req.ip` follows it. Default: loopback. */
  trustProxy?: TrustFunction;
}

/** The express app: request ids, access logs without bodies or query strings, JSON errors. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', parts.trustProxy ?? 'loopback');
  app.use(requestLogging(parts.logger));
  for (const router of parts.routers) app.use(router);
  app.use(notFoundHandler());
  app.use(errorHandler(parts.logger));
  return app;
}
