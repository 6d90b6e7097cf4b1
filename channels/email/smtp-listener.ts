import { randomUUID } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { HttpError, type InboundSink } from '../../src/channel-port';
import { type InboundEmailOptions, receiveRawEmail } from './inbound-email';
import { authenticateSender, type DnsResolver } from './sender-authentication';

export interface SmtpListenerOptions extends InboundEmailOptions {
  port: number;
  /** The address to bind (SMTP_INBOUND_HOST). */
  host: string;
  /** Recipient domains accepted (EMAIL_INBOUND_DOMAINS); mail for any other is refused at RCPT. */
  domains: string[];
  /** Largest message accepted, in bytes: advertised as SIZE, and reading stops past it. */
  maxMessageBytes: number;
  /** Messages one peer address may send per minute (SMTP_INBOUND_MESSAGES_PER_MINUTE). */
  messagesPerMinute: number;
  /**
   * The DNS lookups of sender authentication (SPF, DKIM keys, DMARC policies), in the shape of
   * `dns.promises.resolve`. Default: the system's resolver. Set it to ask another resolver, e.g.
   * one that serves a test's own records.
   */
  dnsResolver?: DnsResolver;
}

export interface SmtpListener {
  /** The port the listener is bound to (useful when `port` was 0). */
  port: number;
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** `::ffff:192.0.2.1` is an IPv4 peer on a dual-stack socket; SPF records name it as IPv4. */
const plainIp = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * Receives email directly over SMTP (no AUTH: this is a mail exchanger, not a submission server)
 * and feeds each message to the same path as the webhook. A message is acknowledged (250) only
 * after it is committed; a failure answers 451 so the sending server tries again.
 *
 * What a stranger on the network can make it do is bounded: recipients only in the clinic's own
 * domains, a message size past which nothing more is read, a message rate per peer address, and
 * SPF/DKIM/DMARC on every message, so a forged From is stored flagged and kept apart from the
 * patient it names (see receiveRawEmail).
 */
export async function startSmtpListener(
  sink: InboundSink,
  options: SmtpListenerOptions,
): Promise<SmtpListener> {
  const log = options.logger.child({ listener: 'smtp' });
  const domains = new Set(options.domains.map((d) => d.toLowerCase()));
  // Per process: several hub processes each allow this many (documented in the README).
  const limiter = new RateLimiterMemory({ points: options.messagesPerMinute, duration: 60 });

  /**
   * Past the size limit the rest of the message is not read: the reply goes out at once and the
   * connection is closed. Waiting for the final dot would let one client stream gigabytes at us.
   */
  const refuseOversized = (session: SMTPServerSession) => {
    const connection = [...server.connections].find((c) => c.id === session.id);
    connection?.send(552, `Message exceeds the maximum size of ${options.maxMessageBytes} bytes`);
    connection?.close();
    log.warn({ limit: options.maxMessageBytes }, 'inbound email over the size limit; connection closed');
  };

  const store = async (raw: Buffer, session: SMTPServerSession, requestId: string) => {
    const mailFrom = session.envelope.mailFrom;
    await receiveRawEmail(raw, sink, options, {
      meta: { requestId, ip: session.remoteAddress },
      envelopeRecipients: session.envelope.rcptTo.map((r) => r.address),
      authenticateSender: () =>
        authenticateSender(
          raw,
          {
            ip: plainIp(session.remoteAddress),
            helo: session.hostNameAppearsAs || undefined,
            mailFrom: mailFrom ? mailFrom.address : '',
          },
          { resolver: options.dnsResolver, mta: options.domains[0] ?? 'localhost' },
        ),
    });
  };

  const server = new SMTPServer({
    disabledCommands: ['AUTH'],
    authOptional: true,
    size: options.maxMessageBytes,
    logger: false,
    // At shutdown, connections still open after this long are cut (their message was not acknowledged).
    closeTimeout: 5_000,
    banner: 'CareLine inbound mail',
    onMailFrom(_address, session, callback) {
      limiter
        .consume(plainIp(session.remoteAddress))
        .then(() => callback())
        .catch((error: unknown) => {
          if (!(error instanceof RateLimiterRes)) {
            callback(smtpError(451, 'Temporary failure; try again later'));
            return;
          }
          log.warn({ retryAfterMs: error.msBeforeNext }, 'SMTP peer over its message rate');
          // 421 closes the connection: a sending server queues the mail and tries again later.
          callback(smtpError(421, 'Too many messages from your address; try again later'));
        });
    },
    onRcptTo(address, _session, callback) {
      const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
      if (!domains.has(domain)) {
        callback(smtpError(550, 'Relay denied: this server only accepts mail for its own domains'));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const requestId = randomUUID();
      const chunks: Buffer[] = [];
      let bytes = 0;
      let oversized = false;
      stream.on('data', (chunk: Buffer) => {
        if (oversized) return;
        bytes += chunk.length;
        if (bytes > options.maxMessageBytes) {
          oversized = true;
          chunks.length = 0;
          refuseOversized(session);
          return;
        }
        chunks.push(chunk);
      });
      // The connection closed mid-message (ours, after an oversized refusal, or the client's).
      stream.on('error', () => undefined);
      stream.on('end', () => {
        if (oversized) return;
        store(Buffer.concat(chunks, bytes), session, requestId)
          // The same answer whatever happened to the message: no internal id leaves the hub.
          .then(() => callback(null, 'OK: queued'))
          .catch((error: unknown) => {
            if (error instanceof HttpError) {
              // The message itself is unusable (no sender, not MIME): retrying will not help.
              callback(smtpError(550, error.message));
              return;
            }
            log.error({ err: error, requestId }, 'inbound email could not be stored');
            callback(smtpError(451, 'Temporary failure storing the message; try again later'));
          });
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
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ port, host: options.host }, 'SMTP listener ready');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
