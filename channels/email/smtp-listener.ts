import { randomUUID } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { HttpError, type InboundSink } from '../../src/channel-port';
import { type InboundEmailOptions, receiveRawEmail } from './inbound-email';

export interface SmtpListenerOptions extends InboundEmailOptions {
  port: number;
  host: string;
  /** Recipient domains accepted; empty accepts any. */
  domains: string[];
  /** Largest message accepted, in bytes (the SIZE extension, and enforced while reading). */
  maxMessageBytes: number;
}

export interface SmtpListener {
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Receives email directly over SMTP (no AUTH: this is a mail exchanger, not a submission server)
 * and feeds each message to the same path as the webhook. A message is acknowledged (250) only
 * after it is committed; a failure answers 451 so the sending server tries again.
 */
export async function startSmtpListener(
  sink: InboundSink,
  options: SmtpListenerOptions,
): Promise<SmtpListener> {
  const log = options.logger.child({ listener: 'smtp' });
  const server = new SMTPServer({
    disabledCommands: ['AUTH'],
    authOptional: true,
    size: options.maxMessageBytes,
    logger: false,
    // At shutdown, connections still open after this long are cut (their message was not acknowledged).
    closeTimeout: 5_000,
    banner: 'CareLine inbound mail',
    onRcptTo(address, _session, callback) {
      const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
      if (options.domains.length > 0 && !options.domains.includes(domain)) {
        callback(smtpError(550, 'Relay denied: this server only accepts mail for its own domains'));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const requestId = randomUUID();
      readAll(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) throw smtpError(552, 'Message exceeds the fixed maximum message size');
          const outcome = await receiveRawEmail(
            raw,
            sink,
            options,
            { requestId, ip: session.remoteAddress },
            session.envelope.rcptTo.map((r) => r.address),
          );
          callback(null, outcome.kind === 'stored' ? `Stored as ${outcome.receipt.messageId}` : 'Accepted');
        })
        .catch((error: unknown) => {
          if (error instanceof HttpError) {
            // The message itself is unusable (no sender, not MIME): retrying will not help.
            callback(smtpError(550, error.message));
            return;
          }
          if (typeof (error as { responseCode?: unknown }).responseCode === 'number') {
            callback(error as Error);
            return;
          }
          log.error({ err: error, requestId }, 'inbound email could not be stored');
          callback(smtpError(451, 'Temporary failure storing the message; try again later'));
        });
    },
  });
  server.on('error', (err) => log.warn({ err }, 'SMTP listener error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  log.info({ port: options.port }, 'SMTP listener ready');
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
