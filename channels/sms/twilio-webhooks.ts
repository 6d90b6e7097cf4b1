import express, { type Response, Router } from 'express';
import twilio from 'twilio';
import { z } from 'zod';
import {
  parseTwilioRequest,
  requestMeta,
  verifyTwilioSignature,
} from '../../providers/twilio/twilio-requests';
import { HttpError, type InboundSink, type MediaItem } from '../../src/channel-port';
import { mapTwilioStatus, TWILIO_MESSAGE_STATUSES } from './twilio-status';

const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a ${prefix}… Twilio SID`);

const MAX_MEDIA = 10;

const inboundSmsSchema = z.object({
  MessageSid: z.union([sid('SM'), sid('MM')]),
  AccountSid: sid('AC'),
  From: z.string().min(1).max(64),
  To: z.string().min(1).max(64),
  Body: z.string().max(1600, 'must be at most 1600 characters').default(''),
  NumMedia: z.coerce.number().int().min(0).max(MAX_MEDIA).default(0),
});

const statusSchema = z.object({
  MessageSid: z.union([sid('SM'), sid('MM')]),
  MessageStatus: z.enum(TWILIO_MESSAGE_STATUSES),
  ErrorCode: z.string().max(16).optional(),
});

/** The status callback URL's query: our message id (see smsStatusCallbackUrl), absent on older sends. */
const statusQuerySchema = z.object({ m: z.uuid('m must be a message id').optional() });

export interface TwilioWebhookOptions {
  publicUrl: string;
  /** The token Twilio signs with: TWILIO_AUTH_TOKEN, or the hub's own sandbox token. */
  authToken: string;
  normalizePhone(raw: string): string | null;
}

function collectMedia(body: Record<string, unknown>, count: number): MediaItem[] {
  const media: MediaItem[] = [];
  for (let i = 0; i < count; i += 1) {
    const url = body[`MediaUrl${i}`];
    const contentType = body[`MediaContentType${i}`];
    const parsedUrl = z.url().safeParse(url);
    if (!parsedUrl.success) {
      throw new HttpError(400, 'validation_failed', `Invalid request: MediaUrl${i} must be a URL`, {
        fields: [`MediaUrl${i}`],
      });
    }
    media.push({
      url: parsedUrl.data,
      contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
    });
  }
  return media;
}

const EMPTY_TWIML = new twilio.twiml.MessagingResponse().toString();

const TWIML_HEADERS = {
  'Content-Type': 'text/xml; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(EMPTY_TWIML)),
};

/**
 * Answers with the empty TwiML. `res.end` rather than `res.send`: Twilio never revalidates a
 * webhook answer, so hashing each one for an ETag would be CPU spent on every inbound message. The
 * headers are fixed, so they are written as they are rather than through express's `type()` (a
 * MIME lookup and a charset parse for every answer).
 */
function answerTwiml(res: Response): void {
  res.writeHead(200, TWIML_HEADERS).end(EMPTY_TWIML);
}

export function twilioSmsRouter(sink: InboundSink, options: TwilioWebhookOptions): Router {
  const router = Router();
  // Twilio posts form bodies of a few KB; anything near 1 MB is not Twilio and gets 413.
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });

  router.post('/webhooks/twilio/sms', form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(inboundSmsSchema, req.body);
    const from = options.normalizePhone(body.From);
    if (!from)
      throw new HttpError(400, 'validation_failed', 'Invalid request: From is not a valid phone number', {
        fields: ['From'],
      });
    const media = collectMedia(req.body as Record<string, unknown>, body.NumMedia);
    // Resolves only after the message is committed: Twilio retries anything we fail to answer.
    await sink.receive(
      {
        channel: 'sms',
        from: { kind: 'phone', address: from },
        toAddress: options.normalizePhone(body.To) ?? body.To,
        body: body.Body,
        media,
        providerMessageId: body.MessageSid,
        channelMeta: { accountSid: body.AccountSid },
      },
      requestMeta(req),
    );
    answerTwiml(res);
  });

  router.post('/webhooks/twilio/status', form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(statusSchema, req.body);
    // Signed with the rest of the URL, so the message id is as trustworthy as the body.
    const query = parseTwilioRequest(statusQuerySchema, req.query);
    const status = mapTwilioStatus(body.MessageStatus);
    if (status) {
      await sink.applyStatus(
        {
          channel: 'sms',
          providerMessageId: body.MessageSid,
          ...(query.m ? { messageId: query.m } : {}),
          status,
          providerStatus: body.MessageStatus,
          errorCode: body.ErrorCode,
        },
        requestMeta(req),
      );
    }
    answerTwiml(res);
  });

  return router;
}
