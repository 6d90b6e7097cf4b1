import { randomUUID } from 'node:crypto';
import type {
  ChannelAdapter,
  ChannelContext,
  InboundSink,
  OutboundEnvelope,
  SendResult,
} from '../../src/channel-port';
import { emailWebhookRouter } from './email-webhooks';
import { deriveSubject, domainOf, plainTextToHtml } from './outbound-mail';
import { signReplyLocalPart } from './reply-token';
import { type SmtpListener, startSmtpListener } from './smtp-listener';
import { createSmtpTransport } from './smtp-transport';

/** The webhook's body limit; the SMTP listener accepts the same. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Email: outbound over SMTP (SMTP_URL), or recorded only (sandbox) without it; inbound by webhook
 * (raw MIME behind EMAIL_INBOUND_SECRET) and by a built-in SMTP listener (SMTP_INBOUND_PORT).
 */
export async function createEmailChannel(context: ChannelContext): Promise<ChannelAdapter> {
  const { config, logger } = context;
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
  let listener: SmtpListener | null = null;

  return {
    channel: 'email',
    identityKind: 'email',
    maxSensitivity: 'limited',
    sandbox,
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
        subject: deriveSubject(envelope.body, config.CLINIC_NAME),
        text: envelope.body,
        html: plainTextToHtml(envelope.body),
        messageId: messageIdHeader.slice(1, -1),
      });
      return { providerMessageId: messageIdHeader, status: 'sent', channelMeta: { replyTo } };
    },
    createRouter: (sink) =>
      emailWebhookRouter(sink, { ...inboundOptions, secret: config.EMAIL_INBOUND_SECRET }),
    async start(sink: InboundSink) {
      if (config.SMTP_INBOUND_PORT === undefined || listener) return;
      listener = await startSmtpListener(sink, {
        ...inboundOptions,
        port: config.SMTP_INBOUND_PORT,
        host: config.HOST,
        domains: config.EMAIL_INBOUND_DOMAINS,
        maxMessageBytes: MAX_MESSAGE_BYTES,
      });
    },
    async close() {
      await listener?.close();
      listener = null;
      transport?.close();
    },
  };
}
