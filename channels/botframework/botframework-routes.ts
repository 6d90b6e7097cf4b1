import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import {
  type ChannelStateStore,
  describeZodError,
  HttpError,
  type InboundSink,
} from '../../src/channel-port';
import { activitySchema, botframeworkAddress, toInboundMessage } from './activity-schema';
import type { BotConnector, VerifiedRequest } from './bot-connector';
import { classifyServiceUrl, type ServiceUrlPolicy } from './service-urls';

export const BOTFRAMEWORK_PATH = '/api/messages';

export interface BotframeworkRouteOptions {
  /** Null when the channel is off: neither MICROSOFT_APP_ID nor BOTFRAMEWORK_EMULATOR is set. */
  connector: BotConnector | null;
  /** Conversation references by identity address, for proactive replies. */
  references: ChannelStateStore;
  logger: Logger;
  /** Activities one client address may post per minute. */
  messagesPerMinute: number;
  serviceUrls: ServiceUrlPolicy;
}

/** A token that failed to verify (as opposed to the token service being unreachable). */
function isTokenRejection(error: unknown): boolean {
  const e = error as { statusCode?: unknown; name?: unknown };
  return (
    e?.statusCode === 401 ||
    e?.statusCode === 403 ||
    e?.name === 'JsonWebTokenError' ||
    e?.name === 'TokenExpiredError' ||
    e?.name === 'NotBeforeError'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `POST /api/messages`: activities from the Bot Framework connector (or the Emulator). Verify the
 * token, then validate the activity, then store: a message is committed before the 200 that
 * acknowledges it, and a redelivered activity id is stored once.
 */
export function botframeworkRouter(sink: InboundSink, options: BotframeworkRouteOptions): Router {
  const { connector, references, logger } = options;
  const router = Router();
  const perAddress = new RateLimiterMemory({ points: options.messagesPerMinute, duration: 60 });

  const requireEnabled = (_req: Request, _res: Response, next: NextFunction) => {
    if (!connector) {
      throw new HttpError(
        404,
        'botframework_disabled',
        'The Bot Framework channel is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD',
      );
    }
    next();
  };

  // Before the token check: verifying a token can cost a key download, and in the Emulator mode
  // anyone may post. req.ip follows the app's trust-proxy setting, so behind a proxy this is the
  // client's address rather than the proxy's.
  const limitPerAddress = async (req: Request, res: Response, next: NextFunction) => {
    try {
      await perAddress.consume(req.ip ?? 'unknown');
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      res.set('Retry-After', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
      throw new HttpError(429, 'rate_limited', 'Too many activities from this address; try again shortly');
    }
    next();
  };

  // Checked before the body is read: without a bearer token there is nothing to verify.
  const requireBearer = (req: Request, _res: Response, next: NextFunction) => {
    if (connector?.authenticated && !/^Bearer\s+\S+$/i.test(req.get('authorization') ?? '')) {
      throw new HttpError(401, 'token_missing', 'A Bot Framework bearer token is required');
    }
    next();
  };

  router.post(
    BOTFRAMEWORK_PATH,
    requireEnabled,
    limitPerAddress,
    requireBearer,
    express.json({ limit: '256kb' }),
    async (req: Request, res: Response) => {
      const raw: unknown = req.body;
      if (!isObject(raw)) {
        throw new HttpError(400, 'malformed_activity', 'The request body must be a JSON activity');
      }
      const log = logger.child({ requestId: req.id });
      const bot = connector!;
      let verified: VerifiedRequest;
      try {
        // The token's claims are checked against the activity's own channel and service URL.
        verified = await bot.verify(
          {
            channelId: typeof raw.channelId === 'string' ? raw.channelId : undefined,
            serviceUrl: typeof raw.serviceUrl === 'string' ? raw.serviceUrl : undefined,
          },
          req.get('authorization') ?? '',
        );
      } catch (error) {
        if (isTokenRejection(error)) {
          throw new HttpError(401, 'token_invalid', 'The Bot Framework token is not valid for this bot');
        }
        // The signing keys could not be fetched: the connector retries on a 5xx.
        log.warn({ err: error }, 'Bot Framework token could not be verified');
        throw new HttpError(503, 'token_unverifiable', 'The Bot Framework token could not be verified now');
      }

      const parsed = activitySchema.safeParse(raw);
      if (!parsed.success) {
        const { message, fields } = describeZodError(parsed.error);
        throw new HttpError(400, 'malformed_activity', message, { fields });
      }
      const activity = parsed.data;
      if (activity.type === 'message' && !classifyServiceUrl(activity.serviceUrl, options.serviceUrls)) {
        // Kept (the token vouches for it, or the Emulator mode accepts anyone) so staff see the
        // message; replies to it are refused at send time. The host only: no path, no ids.
        log.warn(
          { serviceUrlHost: new URL(activity.serviceUrl).host },
          'Bot Framework activity from a service URL replies may not go to; stored, replies will be refused',
        );
      }

      let stored: { messageId: string; duplicate: boolean } | null = null;
      const result = await bot.runTurn(verified, raw, async ({ reference, text }) => {
        const address = botframeworkAddress(activity.channelId, activity.conversation.id);
        // Kept fresh on every message: the service URL of a conversation may change.
        await references.set(address, reference);
        const receipt = await sink.receive(toInboundMessage(activity, text), {
          requestId: req.id,
          ip: req.ip,
        });
        stored = { messageId: receipt.messageId, duplicate: receipt.duplicate };
      });
      if (stored === null) log.debug({ type: activity.type }, 'Bot Framework activity answered, not stored');
      if (result) {
        // An invoke or expectReplies activity: the connector reads the answer from the body.
        res.status(result.status);
        if (result.body === undefined) res.end();
        else res.json(result.body);
        return;
      }
      res.status(200).end();
    },
  );
  return router;
}
