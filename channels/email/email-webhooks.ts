import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { HttpError, type InboundSink } from '../../src/channel-port';
import { type InboundEmailOptions, receiveRawEmail } from './inbound-email';
import { relayVerdict } from './sender-authentication';

export const EMAIL_WEBHOOK_PATH = '/webhooks/email/inbound';
export const EMAIL_SECRET_HEADER = 'x-careline-email-secret';

export interface EmailWebhookOptions extends InboundEmailOptions {
  /** EMAIL_INBOUND_SECRET; unset turns the endpoint off (404). */
  secret: string | undefined;
  /**
   * EMAIL_WEBHOOK_AUTHSERV_ID: the relay whose Authentication-Results header decides whether the
   * sender is verified. Unset: the relay that knows the secret is trusted to have checked senders.
   */
  authservId?: string;
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Inbound email posted by a mail provider (or a relay script) as raw MIME, behind a shared secret. */
export function emailWebhookRouter(sink: InboundSink, options: EmailWebhookOptions): Router {
  const router = Router();
  // Checked before the body is read: an unauthenticated caller cannot make us buffer 10 MB.
  const authenticate = (req: Request, _res: Response, next: NextFunction) => {
    if (!options.secret) {
      throw new HttpError(404, 'email_webhook_disabled', 'Inbound email by webhook is not configured');
    }
    const given = req.get(EMAIL_SECRET_HEADER);
    if (!given) throw new HttpError(401, 'secret_missing', 'X-CareLine-Email-Secret header is required');
    if (!sameSecret(given, options.secret)) {
      throw new HttpError(401, 'secret_invalid', 'X-CareLine-Email-Secret does not match');
    }
    next();
  };

  router.post(
    EMAIL_WEBHOOK_PATH,
    authenticate,
    express.raw({ type: '*/*', limit: '10mb' }),
    async (req, res) => {
      const raw = req.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) {
        throw new HttpError(400, 'malformed_email', 'The request body must be a raw MIME message');
      }
      const { authservId } = options;
      // The peer here is the relay, not the sending server: SPF cannot be checked at this hop, so
      // the relay's own verdict is what there is to read.
      const outcome = await receiveRawEmail(raw, sink, options, {
        meta: { requestId: req.id, ip: req.ip },
        ...(authservId
          ? {
              authenticateSender: async (from, headerValues) =>
                relayVerdict(headerValues('authentication-results'), authservId, from),
            }
          : {}),
      });
      if (outcome.kind === 'ignored') {
        res.status(200).json({ stored: false, reason: outcome.reason });
        return;
      }
      res.status(200).json({
        stored: true,
        messageId: outcome.receipt.messageId,
        conversationId: outcome.receipt.conversationId,
        duplicate: outcome.receipt.duplicate,
      });
    },
  );
  return router;
}
