import express, { type ErrorRequestHandler } from 'express';
import pino from 'pino';
import request from 'supertest';
import { HttpError, type InboundSink } from '../../src/channel-port';
import { EMAIL_WEBHOOK_PATH, emailWebhookRouter } from './email-webhooks';

const sink: InboundSink = {
  receive: async () => ({ messageId: 'm', conversationId: 'c', contactId: 'k', duplicate: false }),
  applyStatus: async () => ({ messageId: null, applied: false }),
};

function app(secret: string | undefined) {
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = err instanceof HttpError ? err.status : 500;
    res.status(status).json({ error: { code: err instanceof HttpError ? err.code : 'internal_error' } });
  };
  return express()
    .use(
      emailWebhookRouter(sink, {
        secret,
        replyTokenSecret: 'r',
        maxAttachmentBytes: 100,
        logger: pino({ level: 'silent' }),
      }),
    )
    .use(onError);
}

const raw = 'From: a@b.org\r\nTo: desk@clinic.org\r\nMessage-ID: <1@b.org>\r\n\r\nhello\r\n';

test('without EMAIL_INBOUND_SECRET the endpoint is off: 404 email_webhook_disabled', async () => {
  const res = await request(app(undefined))
    .post(EMAIL_WEBHOOK_PATH)
    .set('X-CareLine-Email-Secret', 'anything')
    .send(raw)
    .expect(404);
  expect(res.body.error.code).toBe('email_webhook_disabled');
});

test.each([
  [undefined, 401, 'secret_missing'],
  ['wrong', 401, 'secret_invalid'],
  ['the-right-secret-0123', 200, undefined],
])('secret %p: %i', async (given, status, code) => {
  const req = request(app('the-right-secret-0123')).post(EMAIL_WEBHOOK_PATH).type('message/rfc822');
  const res = await (given === undefined ? req : req.set('X-CareLine-Email-Secret', given))
    .send(raw)
    .expect(status);
  if (code) expect(res.body.error.code).toBe(code);
  else expect(res.body).toEqual({ stored: true, messageId: 'm', conversationId: 'c', duplicate: false });
});

test('an empty body: 400', async () => {
  await request(app('the-right-secret-0123'))
    .post(EMAIL_WEBHOOK_PATH)
    .set('X-CareLine-Email-Secret', 'the-right-secret-0123')
    .expect(400);
});
