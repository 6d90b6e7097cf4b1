import { randomUUID } from 'node:crypto';
import {
  type ChannelAdapter,
  type ChannelContext,
  HttpError,
  type InboundSink,
  type OutboundEnvelope,
  type SendResult,
  type SignedRequest,
} from '../../src/channel-port';
import { emailConfig } from './email-config';
import { EMAIL_SECRET_HEADER, EMAIL_WEBHOOK_PATH, emailWebhookRouter } from './email-webhooks';
import { composeMail, domainOf } from './outbound-mail';
import { signReplyLocalPart } from './reply-token';
import type { DnsResolver } from './sender-authentication';
import { type SmtpListener, startSmtpListener } from './smtp-listener';
import { createSmtpTransport } from './smtp-transport';

/** The webhook's body limit; the SMTP listener accepts the same. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface EmailChannelOptions {
  /**
   * The DNS lookups the SMTP listener's sender authentication makes (SPF, DKIM keys, DMARC), in the
   * shape of `dns.promises.resolve`; default the system's resolver.
   */
  dnsResolver?: DnsResolver;
}

/**
 * Email: outbound over SMTP (SMTP_URL), or recorded only (sandbox) without it; inbound by webhook
 * (raw MIME behind EMAIL_INBOUND_SECRET) and by a built-in SMTP listener (SMTP_INBOUND_PORT).
 */
export async function createEmailChannel(
  context: ChannelContext,
  channelOptions: EmailChannelOptions = {},
): Promise<ChannelAdapter> {
  const { logger } = context;
  const config = emailConfig.read(context.config);
  const from = config.EMAIL_FROM ?? `"${config.CLINIC_NAME.replace(/["\\]/g, '')}" <no-reply@localhost>`;
  const replyDomain = config.EMAIL_REPLY_DOMAIN?.toLowerCase() ?? domainOf(from) ?? 'localhost';
  const replyTokenSecret = await context.ensureSecret('email-reply-token');
  const transport = config.SMTP_URL ? createSmtpTransport(config.SMTP_URL) : null;
  const sandbox = transport === null;
  if (sandbox) {
    logger.info('email channel in sandbox mode: outbound is recorded, nothing leaves the machine');
  }
  const inboundOptions = {
    replyTokenSecret,
    maxAttachmentBytes: config.EMAIL_MAX_ATTACHMENT_BYTES,
    logger: logger.child({ channel: 'email' }),
  };
  // In sandbox mode the webhook takes a generated secret when none is set, so the sandbox phone can
  // post to it; with real SMTP it stays off (404) until EMAIL_INBOUND_SECRET is set.
  const inboundSecret =
    config.EMAIL_INBOUND_SECRET ??
    (sandbox ? await context.ensureSecret('email-sandbox-inbound-secret') : undefined);
  let listener: SmtpListener | null = null;

  return {
    channel: 'email',
    label: 'email',
    mark: 'Mail',
    identityKind: 'email',
    // A sender the message could not prove is filed under a holding kind of its own (never with the
    // contact who really holds the address), shown as the address it claimed.
    identityKinds: [{ kind: 'unverified-email', shown: { as: 'address' }, holdsUnverified: 'email' }],
    maxSensitivity: 'limited',
    fallbackRank: 20,
    canCarry: ['verification', 'campaign'],
    templateBody: 'email',
    sandbox,
    threadsReplies: true,
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      const messageIdHeader = `<${envelope.messageId}@${replyDomain}>`;
      if (!transport) {
        // The sandbox id has the shape of a real one, but cannot collide with a sent message's.
        return {
          providerMessageId: `<${envelope.messageId}.sandbox.${randomUUID()}@${replyDomain}>`,
          status: 'delivered',
          channelMeta: { sandbox: true },
        };
      }
      const replyTo = `${signReplyLocalPart(replyTokenSecret, envelope.messageId)}@${replyDomain}`;
      await transport.send({
        from,
        to: envelope.to,
        replyTo,
        // Bounces come back to the signed address, which is what makes them trustworthy.
        envelopeFrom: replyTo,
        ...composeMail(envelope, config.CLINIC_NAME),
        messageId: messageIdHeader.slice(1, -1),
      });
      return { providerMessageId: messageIdHeader, status: 'sent', channelMeta: { replyTo } };
    },
    // SMTP cannot be asked what a server accepted before the connection dropped. A resend carries
    // the same Message-ID (made from our message id), so mail clients and archives that keep one
    // copy per Message-ID show it once; one that does not may show it twice. That is preferred to
    // losing it, and a bounce or reply still names the message by its signed Reply-To.
    reconcile: async () => ({ kind: 'resend_safe' }),
    sandboxInbound:
      sandbox && inboundSecret
        ? ({ from: sender, body }) => sandboxEmail(inboundSecret, sender, addressOf(from), replyDomain, body)
        : undefined,
    createRouter: (sink) =>
      emailWebhookRouter(sink, {
        ...inboundOptions,
        secret: inboundSecret,
        authservId: config.EMAIL_WEBHOOK_AUTHSERV_ID,
      }),
    async start(sink: InboundSink) {
      if (config.SMTP_INBOUND_PORT === undefined || listener) return;
      listener = await startSmtpListener(sink, {
        ...inboundOptions,
        port: config.SMTP_INBOUND_PORT,
        host: config.SMTP_INBOUND_HOST,
        domains: config.EMAIL_INBOUND_DOMAINS,
        maxMessageBytes: MAX_MESSAGE_BYTES,
        messagesPerMinute: config.SMTP_INBOUND_MESSAGES_PER_MINUTE,
        dnsResolver: channelOptions.dnsResolver,
      });
    },
    async close() {
      await listener?.close();
      listener = null;
      transport?.close();
    },
  };
}

/** A bare address, with nothing that could end a header line or open another field. */
const PLAIN_ADDRESS = /^[^\s<>()[\]\\,;:"@]+@[^\s<>()[\]\\,;:"@]+\.[^\s<>()[\]\\,;:"@]+$/;

/** The address inside `"Name" <a@b.org>`, or the text itself. */
function addressOf(mailbox: string): string {
  return /<([^>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

/**
 * The webhook request a patient's email would arrive as: a plain-text MIME message (UTF-8, base64)
 * posted raw with the shared-secret header, the way a mail provider's relay posts it.
 */
export function sandboxEmail(
  secret: string,
  sender: string,
  clinicAddress: string,
  domain: string,
  body: string,
): SignedRequest {
  const address = sender.trim();
  if (!PLAIN_ADDRESS.test(address)) {
    throw new HttpError(400, 'validation_failed', 'Invalid request: from is not a valid email address', {
      fields: ['from'],
    });
  }
  const firstLine = body.split(/\r?\n/, 1)[0]?.trim() ?? '';
  const subject = firstLine.length > 0 ? firstLine.slice(0, 78) : 'Message from the sandbox';
  const encodedSubject = `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
  const text = Buffer.from(body.replace(/\r?\n/g, '\r\n')).toString('base64').replace(/.{76}/g, '$&\r\n');
  const mime = [
    `From: ${address}`,
    `To: ${clinicAddress}`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <sandbox.${randomUUID()}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    text,
    '',
  ].join('\r\n');
  return {
    path: EMAIL_WEBHOOK_PATH,
    headers: { 'content-type': 'message/rfc822', [EMAIL_SECRET_HEADER]: secret },
    body: mime,
  };
}
