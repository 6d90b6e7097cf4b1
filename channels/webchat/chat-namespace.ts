import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import {
  type ClientAddressResolver,
  type IdentityRef,
  type InboundSink,
  isWithinOfficeHours,
  type OfficeHours,
  type RequestMeta,
  type SessionMessage,
  VerificationInputError,
} from '../../src/channel-port';
import { type ChatSession, issueSession, verifySessionToken } from './session-token';

export const CHAT_NAMESPACE = '/chat';
export const MAX_BODY_CHARS = 2000;
export const EMERGENCY_DISCLAIMER = 'If this is an emergency, call 911.';
/**
 * The largest event a visitor may send, in bytes as received (a 2,000-character message in any
 * script, escaped, fits several times over). Larger ones are refused with `payload_too_large` and
 * the connection stays up. Beyond the socket server's `maxHttpBufferSize` (socket.io's 1 MB
 * default) socket.io itself closes the connection before any handler sees the packet; the page
 * reconnects and resends what was not acknowledged.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
const HISTORY_LIMIT = 500;
/** The events a visitor may send; anything else is refused with `unknown_event`. */
const CLIENT_EVENTS = new Set([
  'message',
  'delivered',
  'read',
  'typing',
  'verify.start',
  'verify.confirm',
  'verify.handoff',
  'texts.request',
]);

export const sessionRoom = (sessionId: string) => `webchat:${sessionId}`;
/** The provider id of an outbound chat message: derived from our id, so a receipt never waits for a lookup. */
export const providerIdFor = (messageId: string) => `wc-${messageId}`;
/** The provider id of an inbound chat message: the session's own, so two sessions' client ids never collide. */
export const inboundProviderId = (sessionId: string, clientId: string) => `${sessionId}:${clientId}`;

export interface ChatNamespaceOptions {
  sessionSecret: string;
  clinic: { name: string; timeZone: string; officeHours: OfficeHours };
  limits: { messagesPerMinute: number; ipMessagesPerMinute: number };
  /** The visitor's address behind trusted proxies (TRUST_PROXY): what the per-IP limits count. */
  clientAddress: ClientAddressResolver;
  logger: Logger;
  now?: () => Date;
}

const handshakeSchema = z.object({
  session: z.string().max(200).optional(),
  lastMessageId: z.uuid().optional(),
});
const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId: 8 to 64 letters, digits, - or _');
const messageSchema = z.strictObject({
  clientId: clientIdSchema,
  body: z.string(),
  // The pre-chat form's name, sent with the first message only (see SessionSink.nameGiven).
  name: z.string().trim().min(1).max(80).optional(),
});
const receiptSchema = z.strictObject({ messageId: z.uuid() });
const verifyStartSchema = z.union([
  z.strictObject({ dateOfBirth: z.string().max(20), phone: z.string().min(1).max(40) }),
  z.strictObject({ dateOfBirth: z.string().max(20), email: z.string().min(1).max(254) }),
]);
const verifyConfirmSchema = z.strictObject({ code: z.string().regex(/^\d{6}$/) });
const verifyHandoffSchema = z.strictObject({ handoff: z.string().max(100) });
// `consent` is checked by the core (consent_required), so a missing tick gets its own answer.
const textsRequestSchema = z.strictObject({ phone: z.string().max(40), consent: z.boolean().optional() });

type Answer = { ok: true; [key: string]: unknown } | { ok: false; code: string; retryAfterMs?: number };
type Ack = (answer: Answer) => void;

interface SocketState {
  session: ChatSession;
  identity: IdentityRef;
  ip: string;
  lastMessageId: string | undefined;
  lastTypingAt: number;
}

/** The size of an event's arguments as sent: JSON text, plus the bytes of any binary attachment. */
function payloadBytes(args: unknown[]): number {
  let binary = 0;
  const json = JSON.stringify(args, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
      binary += raw.byteLength;
      return null;
    }
    return value;
  });
  return Buffer.byteLength(json ?? '') + binary;
}

/** What a client is sent for a message: its id, direction, text, status and time, nothing internal. */
export function chatPayload(message: SessionMessage, sessionId: string) {
  const prefix = `${sessionId}:`;
  const own = message.providerMessageId?.startsWith(prefix)
    ? message.providerMessageId.slice(prefix.length)
    : null;
  return {
    id: message.id,
    direction: message.direction,
    body: message.body,
    status: message.status,
    createdAt: message.createdAt,
    ...(own ? { clientId: own } : {}),
  };
}

/**
 * The patient namespace `/chat`: no login. A visitor holds a signed anonymous session (its id is
 * the `webchat` identity's address) and resumes it, with the history it missed, after a reload.
 * Everything a client sends is validated, rate limited per session and per IP address, and refused
 * with `{ok: false, code}` when wrong; nothing is stored half-way.
 */
export function attachChatNamespace(io: Server, sink: InboundSink, options: ChatNamespaceOptions): Namespace {
  const namespace = io.of(CHAT_NAMESPACE);
  const log = options.logger.child({ namespace: CHAT_NAMESPACE });
  const now = options.now ?? (() => new Date());
  const sessions = sink.sessions;
  // In memory, per process: a visitor's socket stays on one process, and several processes only
  // multiply the per-IP ceiling by their number, which is acceptable for abuse damping.
  const perSession = new RateLimiterMemory({ points: options.limits.messagesPerMinute, duration: 60 });
  const perIp = new RateLimiterMemory({ points: options.limits.ipMessagesPerMinute, duration: 60 });
  const newSessionsPerIp = new RateLimiterMemory({ points: 60, duration: 600 });
  const receiptsPerSession = new RateLimiterMemory({ points: 600, duration: 60 });
  const verifyPerSession = new RateLimiterMemory({ points: 5, duration: 3600 });
  const verifyPerIp = new RateLimiterMemory({ points: 30, duration: 3600 });
  const state = (socket: Socket) => socket.data as SocketState;

  /** Consumes a point from each limiter; the answer to give when one is exhausted, else null. */
  async function limited(pairs: [RateLimiterMemory, string][]): Promise<Answer | null> {
    try {
      for (const [limiter, key] of pairs) await limiter.consume(key);
      return null;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      return { ok: false, code: 'rate_limited', retryAfterMs: error.msBeforeNext };
    }
  }

  namespace.use(async (socket, next) => {
    const handshake = handshakeSchema.safeParse(socket.handshake.auth ?? {});
    // Behind a proxy every TCP peer is the proxy: the limits key on the address it forwards.
    const ip = options.clientAddress(socket.handshake.address, socket.handshake.headers);
    if (!handshake.success) {
      log.warn({ ip }, 'chat handshake refused: malformed');
      return next(new Error('invalid_request'));
    }
    let session: ChatSession | null;
    if (handshake.data.session !== undefined) {
      session = verifySessionToken(options.sessionSecret, handshake.data.session);
      if (!session) {
        log.warn({ ip }, 'chat handshake refused: session signature does not verify');
        return next(new Error('invalid_session'));
      }
    } else {
      if (await limited([[newSessionsPerIp, ip]])) return next(new Error('rate_limited'));
      session = issueSession(options.sessionSecret);
    }
    const data: SocketState = {
      session,
      identity: { kind: 'webchat', address: session.id },
      ip,
      lastMessageId: handshake.data.lastMessageId,
      lastTypingAt: 0,
    };
    socket.data = data;
    next();
  });

  namespace.on('connection', (socket) => {
    const { session, identity, ip } = state(socket);
    const meta = (): RequestMeta => ({ requestId: randomUUID(), ip });
    const slog = log.child({ session: session.id.slice(0, 8) });
    // The room first, then the history: a reply sent meanwhile arrives live or in the history (the
    // client drops ids it already has), never in neither.
    socket.join(sessionRoom(session.id));
    void greet();

    // Before any handler: events too large or unknown are answered here (on their ack, or with a
    // `refused` event when they carry none), and go no further.
    socket.use((packet, next) => {
      const [event, ...args] = packet as [unknown, ...unknown[]];
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
      const known = typeof event === 'string' && CLIENT_EVENTS.has(event);
      const bytes = known ? payloadBytes(args) : 0;
      const code = !known ? 'unknown_event' : bytes > MAX_PAYLOAD_BYTES ? 'payload_too_large' : null;
      if (!code) return next();
      slog.info({ event: known ? event : null, bytes, code }, 'chat event refused');
      const refusal = {
        ok: false as const,
        code,
        ...(code === 'payload_too_large' ? { maxBytes: MAX_PAYLOAD_BYTES } : {}),
      };
      if (ack) ack(refusal);
      else socket.emit('refused', { ...refusal, event: known ? event : null });
    });

    // A verified visitor who comes back or writes is still there: the idle expiry starts again.
    const keepAlive = () => {
      void sessions
        ?.keepVerifiedAlive(identity)
        .catch((err) => slog.warn({ err }, 'could not extend the verified session'));
    };

    async function greet() {
      try {
        const verified = (await sessions?.isVerified(identity)) ?? false;
        if (verified) keepAlive();
        socket.emit('session', { token: session.token, verified });
        const open = isWithinOfficeHours(now(), options.clinic.timeZone, options.clinic.officeHours);
        socket.emit('welcome', {
          clinicName: options.clinic.name,
          open,
          notice: open
            ? null
            : `${options.clinic.name} is closed right now. Leave a message and we will answer when we open. ${EMERGENCY_DISCLAIMER}`,
          emergency: EMERGENCY_DISCLAIMER,
        });
        const history = sessions
          ? await sessions.history('webchat', identity, {
              afterMessageId: state(socket).lastMessageId,
              limit: HISTORY_LIMIT,
            })
          : [];
        socket.emit('history', {
          afterMessageId: state(socket).lastMessageId ?? null,
          messages: history.map((m) => chatPayload(m, session.id)),
          // A full page: the client should reconnect with the last id to get the rest.
          more: history.length === HISTORY_LIMIT,
        });
      } catch (err) {
        slog.error({ err }, 'chat greeting failed');
        socket.emit('resync.required', {});
      }
    }

    socket.on('message', async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      const body = (raw as { body?: unknown } | null)?.body;
      if (typeof body === 'string' && body.length > MAX_BODY_CHARS) {
        slog.info({ length: body.length }, 'chat message refused: too long');
        return answer({ ok: false, code: 'message_too_long' });
      }
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success || parsed.data.body.trim() === '') {
        slog.info({ code: 'invalid_message' }, 'chat message refused: wrong shape');
        return answer({ ok: false, code: 'invalid_message' });
      }
      const refused = await limited([
        [perSession, session.id],
        [perIp, ip],
      ]);
      if (refused) {
        slog.warn('chat message refused: rate limited');
        return answer(refused);
      }
      try {
        const receipt = await sink.receive(
          {
            channel: 'webchat',
            from: identity,
            body: parsed.data.body,
            media: [],
            providerMessageId: inboundProviderId(session.id, parsed.data.clientId),
          },
          meta(),
        );
        if (parsed.data.name && !receipt.duplicate) {
          // After receive: the contact exists now. A name that is not stored loses nothing else.
          await sessions?.nameGiven?.(identity, parsed.data.name).catch((err: unknown) => {
            slog.warn({ err }, 'pre-chat name not stored');
          });
        }
        answer({ ok: true, messageId: receipt.messageId, duplicate: receipt.duplicate });
        keepAlive();
        if (!receipt.duplicate) {
          // The visitor's other tabs show it too.
          socket.to(sessionRoom(session.id)).emit('message', {
            id: receipt.messageId,
            direction: 'inbound',
            body: parsed.data.body,
            status: 'received',
            createdAt: now().toISOString(),
            clientId: parsed.data.clientId,
          });
        }
      } catch (err) {
        slog.error({ err }, 'chat message could not be stored');
        answer({ ok: false, code: 'server_error' });
      }
    });

    // Receipts from the client: `delivered` when shown, `read` when seen. Only for the session's own.
    const receipt = (status: 'delivered' | 'read') => async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      const parsed = receiptSchema.safeParse(raw);
      if (!parsed.success) return answer({ ok: false, code: 'invalid_request' });
      const refused = await limited([[receiptsPerSession, session.id]]);
      if (refused) return answer(refused);
      try {
        if (!sessions || !(await sessions.isOutboundTo('webchat', identity, parsed.data.messageId))) {
          return answer({ ok: false, code: 'not_found' });
        }
        await sink.applyStatus(
          {
            channel: 'webchat',
            providerMessageId: providerIdFor(parsed.data.messageId),
            status,
            providerStatus: `client_${status}`,
          },
          meta(),
        );
        answer({ ok: true });
      } catch (err) {
        slog.error({ err }, 'chat receipt failed');
        answer({ ok: false, code: 'server_error' });
      }
    };
    socket.on('delivered', receipt('delivered'));
    socket.on('read', receipt('read'));

    // Typing is ephemeral and best effort: at most one notice every three seconds per socket.
    socket.on('typing', () => {
      const at = Date.now();
      if (at - state(socket).lastTypingAt < 3000) return;
      state(socket).lastTypingAt = at;
      void sessions?.patientTyping?.(identity).catch((err) => slog.warn({ err }, 'typing notice failed'));
    });

    /**
     * Answers a verification attempt: `refusedCode` when it did not verify, else ok, and every tab
     * of this session learns it is verified now.
     */
    const settleVerification = async (
      attempt: () => Promise<boolean>,
      refusedCode: string,
      answer: Ack,
      failureLog: string,
    ) => {
      try {
        if (!(await attempt())) return answer({ ok: false, code: refusedCode });
        answer({ ok: true });
        namespace.to(sessionRoom(session.id)).emit('verified', { verified: true });
      } catch (err) {
        slog.error({ err }, failureLog);
        answer({ ok: false, code: 'server_error' });
      }
    };

    /**
     * A well-formed request to start or hand off verification, within the per-session and
     * per-address limits; otherwise null, and the client is answered why.
     */
    const admitVerification = async <T>(
      schema: z.ZodType<T>,
      raw: unknown,
      answer: Ack,
    ): Promise<T | null> => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        answer({ ok: false, code: 'invalid_request' });
        return null;
      }
      const refused = await limited([
        [verifyPerSession, session.id],
        [verifyPerIp, ip],
      ]);
      if (refused) {
        answer(refused);
        return null;
      }
      return parsed.data;
    };

    socket.on('verify.start', async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (!sessions) return answer({ ok: false, code: 'unavailable' });
      const parsed = await admitVerification(verifyStartSchema, raw, answer);
      if (!parsed) return;
      try {
        await sessions.requestVerification(identity, parsed, meta());
        // The same answer whether anyone matched: see contact-verification.
        answer({ ok: true });
      } catch (err) {
        if (err instanceof VerificationInputError) return answer({ ok: false, code: err.code });
        slog.error({ err }, 'verification request failed');
        answer({ ok: false, code: 'server_error' });
      }
    });

    // "Text me when you reply": a phone and an explicit consent (see src/texthandoff/text-request.ts).
    // Limited like verification: each request may add a phone and a consent entry.
    socket.on('texts.request', async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (!sessions?.requestTexts) return answer({ ok: false, code: 'unavailable' });
      const parsed = await admitVerification(textsRequestSchema, raw, answer);
      if (!parsed) return;
      try {
        await sessions.requestTexts(
          identity,
          { phone: parsed.phone, consent: parsed.consent === true },
          meta(),
        );
        answer({ ok: true });
      } catch (err) {
        if (err instanceof VerificationInputError) return answer({ ok: false, code: err.code });
        slog.error({ err }, 'text request failed');
        answer({ ok: false, code: 'server_error' });
      }
    });

    // Arriving from a secure link whose date of birth was just confirmed: its single-use handoff.
    socket.on('verify.handoff', async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (!sessions) return answer({ ok: false, code: 'unavailable' });
      const parsed = await admitVerification(verifyHandoffSchema, raw, answer);
      if (!parsed) return;
      // Reused, expired, forged or for a link locked since: one answer for all.
      await settleVerification(
        () => sessions.verifyByHandoff(identity, parsed.handoff, meta()),
        'handoff_invalid',
        answer,
        'secure link handoff failed',
      );
    });

    socket.on('verify.confirm', async (raw: unknown, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (!sessions) return answer({ ok: false, code: 'unavailable' });
      const parsed = verifyConfirmSchema.safeParse(raw);
      if (!parsed.success) return answer({ ok: false, code: 'verification_failed' });
      const refused = await limited([[verifyPerIp, ip]]);
      if (refused) return answer(refused);
      await settleVerification(
        () => sessions.confirmVerification(identity, parsed.data.code, meta()),
        'verification_failed',
        answer,
        'verification confirm failed',
      );
    });
  });

  return namespace;
}
