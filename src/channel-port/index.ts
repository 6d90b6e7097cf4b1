/**
 * The channel port: the only part of the core that channel adapters import. Adapters turn provider
 * requests into these types and these types into provider calls; the core never sees a provider type.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import type { IdentityKindDeclaration } from '../platform/addresses/identity-kinds';
import type { HubConfig } from '../platform/config/config';
import type { ConfigSection } from '../platform/config/config-section';
import type { IdentityKind, MediaItem, MessageStatus } from '../platform/db/schema';
import type { ClientAddressResolver } from '../platform/http/client-address';
import type { Sensitivity } from '../policy/channel-capabilities';
import type { TemplateChannel } from '../templates';

export { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
export type {
  ContactAddressKind,
  IdentityKindDeclaration,
  IdentityShown,
} from '../platform/addresses/identity-kinds';
export type { HubConfig } from '../platform/config/config';
export { type ConfigSection, configSection } from '../platform/config/config-section';
export { booleanFlag, optionalString, optionalUrl, port } from '../platform/config/config-values';
export { isWithinOfficeHours, type OfficeHours } from '../platform/config/office-hours';
export type { IdentityKind, MediaItem, MessageStatus } from '../platform/db/schema';
export type { ClientAddressResolver } from '../platform/http/client-address';
export { describeZodError } from '../platform/http/error-handler';
export { HttpError } from '../platform/http/http-error';
export { withTimeout } from '../platform/runtime/timeouts';
/** How sensitive content is, lowest first. A channel declares the highest it may carry. */
export type { Sensitivity };

export interface InboundMessage {
  channel: string;
  /**
   * The sender, normalized (E.164 phone, lower-cased email...). `displayName` is the name the sender
   * gave (an email's From name): used to suggest possible duplicates, never to identify anyone.
   */
  from: { kind: IdentityKind; address: string; displayName?: string };
  /** The clinic address the message was sent to. */
  toAddress?: string;
  body: string;
  media: MediaItem[];
  /** The provider's id: inbound storage is idempotent on (channel, providerMessageId). */
  providerMessageId: string;
  channelMeta?: Record<string, unknown>;
  /**
   * Our outbound message this answers, when the channel knows it for certain (a key pressed during a
   * reminder call) rather than by order. The core ties the answer to that message's appointment and
   * triages it in that message's context.
   */
  inReplyTo?: string;
  /**
   * Provider ids of messages this one refers to, most direct first (email In-Reply-To, then
   * References). Unverified: only used to find the contact when `inReplyTo` does not say.
   */
  references?: string[];
  /**
   * True when the channel could not prove that the sender owns `from.address` (email: no DMARC pass
   * and no SPF or DKIM pass aligned with the From domain). The core then never files the message
   * under a contact holding that address, nor threads it to one: it is stored flagged, under a
   * holding contact for unverified senders (src/intake/unverified-senders.ts). Email only.
   */
  senderUnverified?: boolean;
  /** Files to keep with the message: the core stores them and lists them in `media` (staff-only URLs). */
  attachments?: InboundAttachment[];
  /** Files the adapter would not take (too large): the core answers the sender, so none is lost silently. */
  refusedAttachments?: RefusedAttachment[];
}

export interface InboundAttachment {
  filename: string | null;
  contentType: string;
  content: Uint8Array;
}

export interface RefusedAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  /** The largest size the channel accepts, in bytes. */
  limitBytes: number;
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
  /**
   * Our message id, when the provider's callback names it (the SMS StatusCallback URL carries it).
   * A callback for a send whose answer was lost then still finds its message, and the message adopts
   * the provider id. Trust it only from a signed request.
   */
  messageId?: string;
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
  /** Optional: what channels whose patients hold a live session (web chat) need besides receive. */
  sessions?: SessionSink;
  /**
   * The language on file for the contact with this identity (e.g. `es`), or null when unknown. For
   * channels that speak to a person before anything is stored (a phone menu). Optional.
   */
  contactLanguage?(from: IdentityRef): Promise<string | null>;
  /**
   * One of our outbound messages on `channel`, for a provider that fetches the content when the
   * recipient answers (a call reads the body then). Null when there is no such message. Optional.
   */
  outboundMessage?(channel: string, messageId: string): Promise<OutboundMessageView | null>;
  /**
   * A call that ended with nothing asked or left, already stored through `receive` as `messageId`.
   * The core may text the caller back, under policy. At most one text-back per message, however
   * often this is called. Optional: an adapter logs and carries on without it.
   */
  missedCall?(report: { messageId: string }, meta: RequestMeta): Promise<MissedCallOutcome>;
}

/** An outbound message as a channel that reads it out later sees it. */
export interface OutboundMessageView {
  messageId: string;
  /** The recipient's normalized address. */
  to: string;
  body: string;
  templateId: string | null;
  /** The contact's language on file, or null. */
  language: string | null;
  status: MessageStatus;
}

export interface MissedCallOutcome {
  /**
   * `planned`: a text-back is in the outbox; `refused`: policy said no (`code` says why);
   * `already_handled`: an earlier call decided; `not_found`: no such missed call.
   */
  textBack: 'planned' | 'refused' | 'already_handled' | 'not_found';
  code?: string;
  /** The text-back message, when planned. */
  messageId?: string;
}

/** A triage decision a channel knows without reading text, e.g. the key a caller pressed in a phone menu. */
export interface TriageHint {
  /** An intent name from `intents/`. */
  intent: string;
  /** Why, for the staff who read the decision. */
  reason: string;
}

/** A patient identity as the core stores it: its kind and normalized address. */
export interface IdentityRef {
  kind: IdentityKind;
  address: string;
}

/** One message of a session, as the patient's own client may show it. */
export interface SessionMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: MessageStatus;
  createdAt: string;
  /** Inbound only: the provider id it was stored under (the adapter knows how it built it). */
  providerMessageId: string | null;
}

/** What a patient claims in order to be recognized: a date of birth and a phone or an email. */
export interface VerificationClaim {
  dateOfBirth: string;
  phone?: string;
  email?: string;
}

/** A claim the core cannot read (no real date, no phone/email): the patient typed it wrong. */
export class VerificationInputError extends Error {
  constructor(
    readonly code:
      | 'invalid_date_of_birth'
      | 'invalid_phone'
      | 'invalid_email'
      | 'invalid_request'
      | 'consent_required'
      | 'no_conversation'
      | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'VerificationInputError';
  }
}

/**
 * The core's side of a live patient session (web chat). Each call commits before it resolves.
 * Verification answers the same whether or not the claim matched anyone: no account enumeration.
 */
export interface SessionSink {
  /**
   * The identity's messages on `channel` after `afterMessageId` (all when absent), oldest first,
   * plus its outbound messages not yet acknowledged by the client, wherever they are in the order.
   */
  history(
    channel: string,
    identity: IdentityRef,
    options: { afterMessageId?: string; limit: number },
  ): Promise<SessionMessage[]>;
  /** True when `messageId` is an outbound message on `channel` to this identity (before a receipt is applied). */
  isOutboundTo(channel: string, identity: IdentityRef, messageId: string): Promise<boolean>;
  /** True when the identity's holder proved to be the contact it belongs to, recently enough. */
  isVerified(identity: IdentityRef): Promise<boolean>;
  /** The visitor of a verified session is active: its idle expiry starts again. */
  keepVerifiedAlive(identity: IdentityRef): Promise<void>;
  /** Sends a one-time code to the contact matching the claim, if exactly one does. Throws VerificationInputError. */
  requestVerification(identity: IdentityRef, claim: VerificationClaim, meta: RequestMeta): Promise<void>;
  /** True when `code` is the live code for this identity: it is then linked to that contact and verified. */
  confirmVerification(identity: IdentityRef, code: string, meta: RequestMeta): Promise<boolean>;
  /**
   * The name a visitor gave in the pre-chat form: becomes their contact's name when it has none yet
   * (a name on file, perhaps verified, is never replaced by what an anonymous visitor types).
   */
  nameGiven?(identity: IdentityRef, name: string): Promise<void>;
  /** The patient is typing: tells the staff looking at their conversation. Best effort. */
  patientTyping?(identity: IdentityRef): Promise<void>;
  /**
   * The visitor asks to be texted at `phone` when the clinic replies while their chat is closed,
   * and consents to it (`consent` must be true). Throws VerificationInputError (`invalid_phone`,
   * `consent_required`, `no_conversation`, `unavailable`). The answer never says whether the phone
   * is on file for anyone.
   */
  requestTexts?(
    identity: IdentityRef,
    input: { phone: string; consent: boolean },
    meta: RequestMeta,
  ): Promise<void>;
  /**
   * Verifies the identity by a handoff from a secure link whose date of birth was just confirmed
   * (single use, short-lived): true when it was good, and the identity is then linked to the link's
   * contact. A reused, expired, forged or malformed handoff is false, alike.
   */
  verifyByHandoff(identity: IdentityRef, handoff: string, meta: RequestMeta): Promise<boolean>;
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
  /** The text: SMS/voice/chat wording, or an email's plain-text part. */
  body: string;
  media: MediaItem[];
  requestId?: string;
  /**
   * A template's subject for this channel (email), when the message was rendered from one; a
   * free-text message has none and the channel makes its own.
   */
  subject?: string;
  /**
   * A template's HTML part for this channel (email): written by the clinic, with every variable
   * HTML-escaped by the renderer. Never patient or staff free text; absent for free text.
   */
  html?: string;
  /** Channels that thread (`threadsReplies`): the patient's message this one answers. */
  answering?: AnsweredMessage;
}

/** An inbound message as stored, for a channel that threads its reply to it (email headers). */
export interface AnsweredMessage {
  providerMessageId: string;
  /** What the channel stored with it when it came in (email: subject, references). */
  channelMeta: Record<string, unknown>;
}

export interface SendResult {
  providerMessageId: string;
  status: MessageStatus;
  channelMeta?: Record<string, unknown>;
}

/**
 * A failed send. `retryable` says whether trying again may succeed (5xx, timeouts) or not (4xx).
 * `outcomeUnknown` says the request may have reached the provider and only its answer was lost (a
 * connection reset or a timeout after the request was written): the core then reconciles with the
 * provider before sending again, rather than risk a second copy.
 */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** A send whose outcome the core does not know (its claim lapsed, or the provider's answer was lost). */
export interface ReconcileRequest {
  messageId: string;
  to: string;
  /** The text as stored. A secure-link notice is stored with its token masked: use isSameText. */
  body: string;
  /** True when a text the provider holds is this message's as it was sent. */
  isSameText(sent: string): boolean;
  /** The send cannot have reached the provider before this time (when the outbox row was written). */
  notBefore: Date;
}

/**
 * What the provider knows of a send whose outcome was lost:
 * - `accepted`: it has it; `sends` are the provider's records that match, best first (the core adopts
 *   the first no other message already holds);
 * - `absent`: it certainly has none, so sending now cannot make a second copy;
 * - `resend_safe`: the provider cannot be asked, but a second copy is recognised as the same message
 *   downstream (an email's Message-ID, a chat client that keeps one copy per message id);
 * - `undecidable`: neither; a person decides (`reason` in plain words).
 */
export type ReconcileResult =
  | { kind: 'accepted'; sends: SendResult[] }
  | { kind: 'absent' }
  | { kind: 'resend_safe' }
  | { kind: 'undecidable'; reason: string };

export interface ChannelAdapter {
  readonly channel: string;
  /**
   * How a person reads the channel's name in reasons, failures and the inbox ("SMS", "web chat").
   * The registry records it for the core's sentences and `GET /api/v1/channels` serves it to the page.
   */
  readonly label: string;
  /** The name standing alone (a list, a heading: "Voice call"); absent: the label with a capital. */
  readonly title?: string;
  /** The short text mark the inbox shows as the channel's icon ("Call"); absent: the title. */
  readonly mark?: string;
  /** The kind of contact identity this channel delivers to. */
  readonly identityKind: IdentityKind;
  /**
   * The identity kinds this channel stores besides the contact address kinds (`phone`, `email`),
   * and how staff are shown each (web chat: a session id, never shown). The registry records them;
   * an undeclared kind's addresses are never shown.
   */
  readonly identityKinds?: readonly IdentityKindDeclaration[];
  /**
   * The most sensitive content this channel may carry by default. The policy reads it (a clinic's
   * override replaces it; a patient's accepted risk raises it for that patient); content above it
   * goes behind a secure link announced on this channel, or on another channel.
   */
  readonly maxSensitivity: Sensitivity;
  /**
   * False when a link cannot be followed from this channel (a phone call): the policy never sends a
   * secure-link notice on it. Absent: it can.
   */
  readonly carriesSecureLinkNotice?: boolean;
  /**
   * Who the provider sees sending (`sms:<from-number>`): campaign sends are paced per sender, as a
   * carrier limits a number. Absent: the channel is one sender.
   */
  readonly sender?: string;
  /**
   * Where the channel stands when the hub falls back past the requested and the patient's preferred
   * channels, lowest first. Absent: after every ranked channel, in the order the hub lists them.
   */
  readonly fallbackRank?: number;
  /**
   * Automated sends the hub may ask for on this channel by name: `verification` (a one-time code
   * to the address a patient claimed, of this channel's identity kind) and `campaign` (a
   * campaign's channel preference). Absent: neither.
   */
  readonly canCarry?: readonly AutomatedSendKind[];
  /**
   * The wording of a template this channel takes (a template has bodies for sms, voice, webchat,
   * email, securelink). Absent: the plain-text wording written for SMS.
   */
  readonly templateBody?: TemplateChannel;
  /** True when nothing leaves the machine: sends are recorded only. */
  readonly sandbox: boolean;
  /** True for channels where STOP/START/HELP are carrier keywords the hub must honour (SMS). */
  readonly honoursCarrierKeywords?: boolean;
  /**
   * True when content sent "on" this channel stays in the hub and is read there (a secure link): it
   * is never chosen as a delivery channel; the policy layer announces it on another channel.
   */
  readonly readInPlace?: boolean;
  /**
   * True when the hub uses this channel only when a send asks for it by name, never as a fallback
   * for another (voice: a patient who opted out of texts must not get a robocall instead).
   */
  readonly onlyWhenRequested?: boolean;
  /**
   * The channel automatic replies (acknowledgements, safety replies) to a message from this channel
   * go on, when not this one (voice: the caller has hung up by then; see channels/voice).
   */
  readonly automaticRepliesVia?: string;
  /**
   * True when the channel threads a reply to the message it answers (email In-Reply-To): the send
   * pipeline then passes `answering` on staff replies and on automatic answers to one message.
   */
  readonly threadsReplies?: boolean;
  /**
   * A decision triage takes instead of classifying the text, read from this channel's own
   * `channelMeta` on a stored inbound message; null to classify as usual.
   */
  triageHint?(channelMeta: Record<string, unknown>): TriageHint | null;
  /** Facts recorded on an outbound message before it is sent (e.g. SMS segments). */
  describeOutbound?(body: string): Record<string, unknown>;
  send(envelope: OutboundEnvelope): Promise<SendResult>;
  /**
   * Asks the provider whether it accepted a send whose outcome was lost. Optional: a channel without
   * it is at-most-once, and an interrupted send on it fails visibly for a person to decide.
   */
  reconcile?(request: ReconcileRequest): Promise<ReconcileResult>;
  /**
   * Sandbox only: the provider request a patient's message would arrive as, signed the way the
   * provider signs it, for the hub to post to its own webhook (the same path as real traffic).
   */
  sandboxInbound?(input: { from: string; body: string }): SignedRequest;
  /**
   * A page of the hub where a person plays the patient on this channel (web chat: `/chat`), for
   * channels that need no sandbox: the `/sandbox` page lists the channel with a link to it.
   */
  readonly patientPage?: string;
  /**
   * True when `patientPage` verifies a session by a handoff from a secure link whose date of birth
   * was just confirmed (`#handoff=...`, SessionSink.verifyByHandoff): the link offers "chat with the
   * clinic" then.
   */
  readonly acceptsSecureLinkHandoff?: boolean;
  /**
   * Staff are writing in a conversation of the contact behind `address` (a live session, web chat):
   * shows the patient a typing indicator. Ephemeral and best effort; `from` is all the patient sees
   * of who (a first name, or the clinic).
   */
  notifyTyping?(address: string, from: string): void;
  /**
   * Live channels (web chat): whether the patient at `address` has the conversation open now, on any
   * hub process. A staff reply to someone who left and asked to be texted goes by text instead.
   */
  isPresent?(address: string): Promise<boolean>;
  /** Express routes for the provider's webhooks, mounted at the app root. */
  createRouter?(sink: InboundSink): Router;
  /** Starts what the channel listens on besides HTTP (e.g. an SMTP server); called once at hub start. */
  start?(sink: InboundSink): Promise<void>;
  /**
   * Attaches the channel's socket.io namespace (web chat) to the hub's socket server, once, after
   * the HTTP server listens. The server carries the Redis adapter: emits reach every hub process.
   */
  attachRealtime?(io: SocketServer, sink: InboundSink): void;
  close?(): Promise<void>;
}

/** Automated sends a channel may be asked for by name (ChannelAdapter.canCarry). */
export type AutomatedSendKind = 'verification' | 'campaign';

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
  /**
   * The client's address behind the proxies TRUST_PROXY trusts, for connections express never sees
   * (socket.io handshakes): the same answer as `req.ip` for the same peer and headers.
   */
  clientAddress: ClientAddressResolver;
  /**
   * The origin of the clinic's logo when it is on another site (admins set it at run time), or null:
   * a patient page that shows the logo allows images from it in its CSP, and from nowhere else.
   */
  clinicLogoOrigin?: () => string | null;
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

/** A channel as the hub's list names it: how to build its adapter, and the environment keys it reads. */
export interface ChannelDefinition {
  create: ChannelFactory;
  /** Its sections of the environment (channels/<name>/<name>-config.ts), composed into the hub's config. */
  config?: readonly ConfigSection[];
}
