import nodemailer from 'nodemailer';
import { SendError } from '../../src/channel-port';

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo: string;
  /** The SMTP envelope sender (MAIL FROM): bounces come back to it. */
  envelopeFrom: string;
  subject: string;
  text: string;
  html: string;
  /** Without angle brackets: `<id>@<domain>`. */
  messageId: string;
  /** The answered mail's Message-ID, with angle brackets, when this is a reply. */
  inReplyTo?: string;
  /** The thread's Message-IDs, oldest first, with angle brackets. */
  references?: string[];
}

export interface SmtpTransport {
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
}

/**
 * A 5xx reply is the server saying no for good (unknown mailbox, policy); a 4xx reply, a timeout or
 * a refused connection may pass later.
 */
export function toSendError(error: unknown): SendError {
  const smtp = error as SmtpError;
  if (typeof smtp?.responseCode === 'number') {
    const permanent = smtp.responseCode >= 500;
    return new SendError(
      `smtp_${smtp.responseCode}`,
      `The SMTP server answered ${smtp.responseCode}${smtp.command ? ` to ${smtp.command}` : ''}`,
      !permanent,
    );
  }
  return new SendError(
    'provider_unreachable',
    `The SMTP server could not be reached${smtp?.code ? ` (${smtp.code})` : ''}`,
    true,
  );
}

/** The one place the nodemailer transport is constructed. */
export function createSmtpTransport(smtpUrl: string): SmtpTransport {
  if (!/^smtps?:\/\//i.test(smtpUrl)) {
    throw new Error('SMTP_URL: must start with smtp:// or smtps://');
  }
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: mail.from,
          to: mail.to,
          replyTo: mail.replyTo,
          envelope: { from: mail.envelopeFrom, to: [mail.to] },
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${mail.messageId}>`,
          ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
          ...(mail.references?.length ? { references: mail.references } : {}),
        });
        return { response: String(info.response ?? '') };
      } catch (error) {
        throw toSendError(error);
      }
    },
    close: () => transport.close(),
  };
}
