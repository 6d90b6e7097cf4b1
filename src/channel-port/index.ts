/**
 * The channel port: the only part of the core that channel adapters import. Adapters turn provider
 * requests into these types and these types into provider calls; the core never sees a provider type.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { HubConfig } from '../config/config';
import type { IdentityKind, MediaItem, MessageStatus } from '../db/schema';

export type { HubConfig } from '../config/config';
export { normalizeEmail, normalizePhone } from '../conversations/addresses';
export type { IdentityKind, MediaItem, MessageStatus } from '../db/schema';
export { describeZodError } from '../http/error-handler';
export { HttpError } from '../http/http-error';

/** How sensitive content is, lowest first. A channel declares the highest it may carry. */
export type Sensitivity = 'public' | 'limited' | 'phi';

export interface InboundMessage {
  channel: string;
  /** The sender, normalized (E.164 phone, lower-cased email...). */
  from: { kind: IdentityKind; address: string };
  /** The clinic address the message was sent to. */
  toAddress?: string;
  body: string;
  media: MediaItem[];
  /** The provider's id: inbound storage is idempotent on (channel, providerMessageId). */
  providerMessageId: string;
  channelMeta?: Record<string, unknown>;
}

export interface InboundReceipt {
  messageId: string;
  conversationId: string;
  contactId: string;
  /** True when this provider id was already stored: nothing new was written. */
  duplicate: boolean;
}

export interface StatusUpdate {
  channel: string;
  providerMessageId: string;
  status: MessageStatus;
  providerStatus: string;
  errorCode?: string;
}

export interface StatusReceipt {
  /** The message the update belongs to, or null when no message has this provider id (yet). */
  messageId: string | null;
  /** True when the update moved the message forward; late or backward updates are kept but not applied. */
  applied: boolean;
}

export interface RequestMeta {
  requestId: string;
  ip?: string;
}

/** What the core offers an adapter's inbound routes. Each call commits before it resolves. */
export interface InboundSink {
  receive(message: InboundMessage, meta: RequestMeta): Promise<InboundReceipt>;
  applyStatus(update: StatusUpdate, meta: RequestMeta): Promise<StatusReceipt>;
  /**
   * A hard bounce proved an address cannot be delivered to. Optional: an adapter logs and carries
   * on when the core does not offer it. The core should mark the identity only when `address` is
   * the recipient of the outbound message `messageId` (the bounce names both; see email adapter).
   */
  markUndeliverable?(report: UndeliverableReport, meta: RequestMeta): Promise<void>;
}

export interface UndeliverableReport {
  channel: string;
  kind: IdentityKind;
  /** The normalized address that bounced. */
  address: string;
  /** Our outbound message the bounce answers, proven by a signed token (not by the bounce's text). */
  messageId: string;
  /** The provider's status, e.g. the DSN status `5.1.1`. */
  providerStatus: string;
}

export interface OutboundEnvelope {
  messageId: string;
  to: string;
  body: string;
  media: MediaItem[];
  requestId?: string;
}

export interface SendResult {
  providerMessageId: string;
  status: MessageStatus;
  channelMeta?: Record<string, unknown>;
}

/** A failed send. `retryable` says whether trying again may succeed (5xx, timeouts) or not (4xx). */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export interface ChannelAdapter {
  readonly channel: string;
  /** The kind of contact identity this channel delivers to. */
  readonly identityKind: IdentityKind;
  readonly maxSensitivity: Sensitivity;
  /** True when nothing leaves the machine: sends are recorded only. */
  readonly sandbox: boolean;
  /** True for channels where STOP/START/HELP are carrier keywords the hub must honour (SMS). */
  readonly honoursCarrierKeywords?: boolean;
  /**
   * True when content sent "on" this channel stays in the hub and is read there (a secure link): it
   * is never chosen as a delivery channel; the policy layer announces it on another channel.
   */
  readonly readInPlace?: boolean;
  /** Facts recorded on an outbound message before it is sent (e.g. SMS segments). */
  describeOutbound?(body: string): Record<string, unknown>;
  send(envelope: OutboundEnvelope): Promise<SendResult>;
  /**
   * Sandbox only: the provider request a patient's message would arrive as, signed the way the
   * provider signs it, for the hub to post to its own webhook (the same path as real traffic).
   */
  sandboxInbound?(input: { from: string; body: string }): SignedRequest;
  /** Express routes for the provider's webhooks, mounted at the app root. */
  createRouter?(sink: InboundSink): Router;
  /** Starts what the channel listens on besides HTTP (e.g. an SMTP server); called once at hub start. */
  start?(sink: InboundSink): Promise<void>;
  close?(): Promise<void>;
}

export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ChannelContext {
  config: HubConfig;
  logger: Logger;
  /** Returns a stored secret, creating it on first use (e.g. the sandbox webhook signing token). */
  ensureSecret(name: string): Promise<string>;
  /** A durable key/value store of this channel's own (kept in the hub's database). */
  stateFor(channel: string): ChannelStateStore;
}

/** Durable state an adapter keeps between requests, e.g. a conversation reference for proactive replies. */
export interface ChannelStateStore {
  /** The value, or null when absent or expired. */
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  purgeExpired(): Promise<void>;
}

export type ChannelFactory = (context: ChannelContext) => Promise<ChannelAdapter> | ChannelAdapter;
