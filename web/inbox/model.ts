import type * as Api from '../../contracts/inbox-api';

/**
 * What the inbox shows, mapped from the API's answers. The answers' types come from
 * contracts/inbox-api.ts, which the server's presenters are checked against: no field is guessed.
 */

/**
 * The fields the page keeps of an API record, named once for both the type and the copy: the
 * mappers below are these picks, so a field is never listed twice.
 */
function pick<T, K extends keyof T>(record: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, record[k]])) as Pick<T, K>;
}

const QUEUE_FIELDS = ['id', 'name', 'open', 'unread', 'emergencies', 'slaBreached', 'failedSends'] as const;
/** A queue and its figures (`failedSends`: sends that failed for good and nobody sent again). */
export type QueueSummary = Pick<Api.QueueSummary, (typeof QUEUE_FIELDS)[number]>;

export interface ConversationSummary {
  id: string;
  queue: string;
  status: string;
  urgency: string;
  priority: number;
  slaDueAt: string | null;
  lastActivityAt: string;
  snoozedUntil: string | null;
  assignee: { id: string; name: string } | null;
  contact: { id: string; displayName: string | null };
  /** Name, else formatted phone or email, else "Web chat visitor"; never a chat session id. */
  displayName: string;
  displayAddress: string | null;
  snippet: string;
  /** The patient's newest words (null when she has not written yet). */
  patientSnippet: string | null;
  /** Set when the newest message is an answer: the hub's automatic one or a staff member's. */
  lastReply: { by: 'hub' | 'staff'; snippet: string } | null;
  lastMessageChannel: string | null;
  channels: string[];
  unread: boolean;
  labels: LabelInfo[];
}

/** A clinic's conversation label. */
export type LabelInfo = Api.LabelView;

export interface Triage {
  /** Set when staff overrode triage's decision: the fields shown are then theirs. */
  overridden?: boolean;
  intent?: string;
  urgency?: string;
  queue?: string;
  confidence?: number;
  /** Triage's decision in plain words, for staff (the engine's own `reasons` are for tuning). */
  findings?: string[];
  layer?: string;
}

export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  channel: string;
  body: string;
  status: string;
  triage: Triage | null;
  policy: Record<string, unknown> | null;
  templateId: string | null;
  authorKind: string;
  authorName: string | null;
  createdAt: string;
  errorCode: string | null;
  errorMessage: string | null;
  scheduledFor: string | null;
  securedVia: string | null;
  /** A send that failed for good: why, in words, and the message that sent it again (if any). */
  failure: { reason: string; retriedAs: string | null } | null;
  /** The channel could not prove the sender owns the address it wrote from (a possibly forged email). */
  senderUnverified: boolean;
  /** A patient's reply to a campaign: the campaign's name. */
  campaignName: string | null;
}

export interface Note {
  id: string;
  body: string;
  author: { id: string; name: string } | null;
  createdAt: string;
}

export interface Consent {
  channel: string;
  purpose: string;
  status: string;
  recordedAt: string | null;
}

export interface ConversationDetail {
  id: string;
  queue: string;
  status: string;
  urgency: string;
  priority: number;
  slaDueAt: string | null;
  snoozedUntil: string | null;
  assignee: { id: string; name: string } | null;
  contact: {
    id: string;
    displayName: string | null;
    language: string | null;
    timeZone: string | null;
    identities: { kind: string; address: string; display: string; undeliverable?: boolean }[];
    consents: Consent[];
  };
  displayName: string;
  displayAddress: string | null;
  messages: Message[];
  notes: Note[];
  textRequest: Api.TextRequestView | null;
}

/** A field of a stored record (a message's policy) that holds text, else null. */
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const toQueue = (q: Api.QueueSummary): QueueSummary => pick(q, QUEUE_FIELDS);

/** A queue listed without its figures (when the queue summary cannot be loaded). */
export function queueWithoutCounts(id: string): QueueSummary {
  return { id, name: id, open: 0, unread: 0, emergencies: 0, slaBreached: 0, failedSends: 0 };
}

export function toSummary(c: Api.ConversationSummary): ConversationSummary {
  return {
    id: c.id,
    queue: c.queue,
    status: c.status,
    urgency: c.urgency,
    priority: c.priority,
    slaDueAt: c.slaDueAt,
    lastActivityAt: c.lastActivityAt,
    snoozedUntil: c.snoozedUntil,
    assignee: c.assignee,
    contact: c.contact,
    displayName: c.displayName,
    displayAddress: c.displayAddress,
    snippet: c.snippet ?? '',
    patientSnippet: c.patientSnippet,
    lastReply: c.lastReply,
    lastMessageChannel: c.lastMessageChannel,
    channels: c.channels,
    unread: c.unread,
    labels: c.labels,
  };
}

/** Triage's decision with a staff override laid over it (its intent, queue and urgency win). */
function withOverride(
  machine: Record<string, unknown> | null,
  override: Record<string, unknown> | null,
): Triage | null {
  if (!override) return machine as Triage | null;
  const fields = Object.fromEntries(
    (['intent', 'queue', 'urgency'] as const).flatMap((k) =>
      str(override[k]) ? [[k, str(override[k])]] : [],
    ),
  );
  return { ...(machine ?? {}), ...fields, overridden: true } as Triage;
}

export type IntentOption = Api.IntentView;

function toMessage(m: Api.ConversationDetail['messages'][number]): Message {
  return {
    id: m.id,
    direction: m.direction,
    channel: m.channel,
    body: m.body,
    status: m.status,
    triage: withOverride(m.triage, m.triageOverride),
    policy: m.policy,
    templateId: m.templateId,
    authorKind: m.authorKind,
    authorName: m.author?.name ?? null,
    createdAt: m.createdAt,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    // Stored with the send by the policy: when a deferred send goes, and whether a secure link carries it.
    scheduledFor: str(m.policy?.scheduledFor),
    securedVia: str(m.policy?.securedVia),
    failure: m.failure,
    senderUnverified: m.senderUnverified,
    campaignName: m.campaign?.name ?? null,
  };
}

/** `GET /conversations/:id`. */
export function toDetail({ conversation: c }: Api.ConversationDetailResponse): ConversationDetail {
  return {
    id: c.id,
    queue: c.queue,
    status: c.status,
    urgency: c.urgency,
    priority: c.priority,
    slaDueAt: c.slaDueAt,
    snoozedUntil: c.snoozedUntil,
    assignee: c.assignee,
    contact: {
      id: c.contact.id,
      displayName: c.contact.displayName,
      language: c.contact.language,
      timeZone: c.contact.timeZone,
      identities: c.contact.identities,
      consents: c.contact.consents,
    },
    displayName: c.displayName,
    displayAddress: c.displayAddress,
    messages: c.messages.map(toMessage),
    notes: c.notes,
    textRequest: c.textRequest ?? null,
  };
}

export interface PolicyDecision {
  allowed: boolean;
  channel: string | null;
  securedVia: string | null;
  scheduledFor: string | null;
  code: string | null;
  reasons: string[];
  /** A staff reply's decision in plain words, with the composer's ways out; null elsewhere. */
  guidance: Api.ReplyGuidance | null;
}

export function toDecision({ decision: d, guidance }: Api.PolicyCheckResponse): PolicyDecision {
  return {
    allowed: d.allowed,
    channel: d.channel,
    securedVia: d.securedVia,
    scheduledFor: d.scheduledFor,
    code: d.code,
    reasons: d.reasons,
    guidance: guidance ?? null,
  };
}

/**
 * A 422 the policy answered (its details carry the reasons), as a decision; null for any other
 * error, such as a template's missing variable, which is shown as its message.
 */
export function refusalOf(status: number, body: unknown): PolicyDecision | null {
  const error = (body as Partial<Api.ApiErrorBody> | null)?.error;
  const details = error?.details as Partial<Api.PolicyRefusalDetails> | undefined;
  const reasons = details?.reasons;
  if (status !== 422 || !error || !Array.isArray(reasons)) return null;
  return {
    allowed: false,
    channel: null,
    securedVia: null,
    scheduledFor: null,
    code: error.code,
    reasons,
    guidance: details?.guidance ?? null,
  };
}

const TEMPLATE_FIELDS = ['id', 'title', 'system', 'sensitivity', 'purpose', 'channels', 'variables'] as const;
/** A template as the composer offers it (`system`: sent by the hub itself, the picker hides it). */
export type TemplateInfo = Pick<Api.TemplateView, (typeof TEMPLATE_FIELDS)[number]>;
export const toTemplate = (t: Api.TemplateView): TemplateInfo => pick(t, TEMPLATE_FIELDS);

/** A colleague, from `GET /staff` (supervisors and admins only). */
const STAFF_OPTION_FIELDS = ['id', 'name', 'role', 'queues', 'disabled'] as const;
export type StaffOption = Pick<Api.StaffView, (typeof STAFF_OPTION_FIELDS)[number]>;
export const toStaffOption = (s: Api.StaffView): StaffOption => pick(s, STAFF_OPTION_FIELDS);

/** A clinic's canned response: `/shortcut` in the composer inserts its body. */
const CANNED_RESPONSE_FIELDS = ['id', 'shortcut', 'body'] as const;
export type CannedResponse = Pick<Api.CannedResponseView, (typeof CANNED_RESPONSE_FIELDS)[number]>;
export const toCannedResponse = (c: Api.CannedResponseView): CannedResponse =>
  pick(c, CANNED_RESPONSE_FIELDS);
