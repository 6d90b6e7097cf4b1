import type { Request } from 'express';
import twilio from 'twilio';
import type { z } from 'zod';
import { describeZodError, HttpError, type RequestMeta, SendError } from '../../src/channel-port';

export function requestMeta(req: Request): RequestMeta {
  return { requestId: req.id, ip: req.ip };
}

/**
 * Twilio signs the full URL it requested (our PUBLIC_URL + path + query) plus the sorted form
 * parameters with HMAC-SHA1 of the auth token. Checked before anything else reads the request, so
 * the query (a language, a message id) is as trustworthy as the body.
 */
export function verifyTwilioSignature(req: Request, publicUrl: string, authToken: string): void {
  const signature = req.get('x-twilio-signature');
  if (!signature) throw new HttpError(403, 'signature_missing', 'X-Twilio-Signature header is required');
  const url = `${publicUrl}${req.originalUrl}`;
  const params = (req.body ?? {}) as Record<string, string>;
  if (!twilio.validateRequest(authToken, signature, url, params)) {
    throw new HttpError(403, 'signature_invalid', 'X-Twilio-Signature does not match this request');
  }
}

/** A form or query that fails its schema: 400 naming the fields, before anything is stored. */
export function parseTwilioRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const { message, fields } = describeZodError(parsed.error);
    throw new HttpError(400, 'validation_failed', message, { fields });
  }
  return parsed.data;
}

interface TwilioRestError {
  status?: number;
  code?: number | string;
}

/**
 * Network errors that prove the request never reached Twilio: the connection was never made. Any
 * other network error (a reset, a timeout) may have come after Twilio accepted the request.
 */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A failed REST call as the port's SendError: retryable when trying again may succeed. */
export function toSendError(error: unknown): SendError {
  const rest = error as TwilioRestError;
  if (typeof rest?.status === 'number') {
    // 5xx and 429 may succeed later; any other 4xx (bad number, blocked, unverified caller id) will not.
    const retryable = rest.status >= 500 || rest.status === 429;
    const code = rest.code ? `twilio_${rest.code}` : `http_${rest.status}`;
    return new SendError(
      code,
      `Twilio answered ${rest.status}${rest.code ? ` (error ${rest.code})` : ''}`,
      retryable,
    );
  }
  if (typeof rest?.code === 'string' && NEVER_CONNECTED.has(rest.code)) {
    return new SendError('provider_unreachable', 'Twilio could not be reached', true);
  }
  return new SendError(
    'provider_answer_lost',
    'The connection to Twilio ended before it answered; it may have accepted the request',
    true,
    true,
  );
}
