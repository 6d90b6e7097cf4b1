/** What the inbox shows, read defensively from the API's answers (fields may be absent or null). */

export interface QueueSummary {
  id: string;
  name: string;
  open: number;
  unread: number;
  emergencies: number;
  slaBreached: number;
  /** Sends that failed for good and nobody sent again, in the queue's conversations. */
  failedSends: number;
}

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
export interface LabelInfo {
  id: string;
  name: string;
  color: string;
}

export function toLabel(raw: unknown): LabelInfo {
  const o = obj(raw) ?? {};
  return { id: str(o.id) ?? '', name: str(o.name) ?? '', color: str(o.color) ?? 'gray' };
}

export interface Triage {
  /** Set when staff overrode triage's decision: the fields shown are then theirs. */
  overridden?: boolean;
  intent?: string;
  urgency?: string;
  queue?: string;
  confidence?: number;
  reasons?: string[];
  why?: string[] | string;
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
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
const obj = (v: unknown): Json | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function person(v: unknown, idFallback?: unknown): { id: string; name: string } | null {
  const o = obj(v);
  if (o && typeof o.id === 'string') return { id: o.id, name: str(o.name) ?? str(o.email) ?? 'staff' };
  return typeof idFallback === 'string' ? { id: idFallback, name: 'staff' } : null;
}

export function toQueue(raw: unknown): QueueSummary {
  const o = obj(raw) ?? {};
  const id = str(o.id) ?? 'unknown';
  return {
    id,
    name: str(o.name) ?? id,
    open: num(o.open),
    unread: num(o.unread),
    emergencies: num(o.emergencies),
    slaBreached: num(o.slaBreached),
    failedSends: num(o.failedSends),
  };
}

function toLastReply(raw: unknown): ConversationSummary['lastReply'] {
  const o = obj(raw);
  const snippet = str(o?.snippet);
  if (!o || snippet === null) return null;
  return { by: o.by === 'staff' ? 'staff' : 'hub', snippet };
}

export function toSummary(raw: unknown): ConversationSummary {
  const o = obj(raw) ?? {};
  const last = obj(o.lastMessage);
  const contact = obj(o.contact) ?? {};
  const channel = str(o.lastMessageChannel) ?? str(last?.channel);
  return {
    id: String(o.id),
    queue: str(o.queue) ?? '',
    status: str(o.status) ?? 'open',
    urgency: str(o.urgency) ?? 'routine',
    priority: num(o.priority),
    slaDueAt: str(o.slaDueAt),
    lastActivityAt: str(o.lastActivityAt) ?? new Date(0).toISOString(),
    snoozedUntil: str(o.snoozedUntil),
    assignee: person(o.assignee, o.assigneeId),
    contact: { id: str(contact.id) ?? '', displayName: str(contact.displayName) },
    displayName: str(o.displayName) ?? str(contact.displayName) ?? 'Unknown patient',
    displayAddress: str(o.displayAddress),
    snippet: str(o.snippet) ?? str(last?.body) ?? '',
    patientSnippet: str(o.patientSnippet),
    lastReply: toLastReply(o.lastReply),
    lastMessageChannel: channel,
    channels: arr(o.channels).filter((c): c is string => typeof c === 'string'),
    unread: typeof o.unread === 'number' ? o.unread > 0 : o.unread === true,
    labels: arr(o.labels).map(toLabel),
  };
}

/** Triage's decision with a staff override laid over it (its intent, queue and urgency win). */
function withOverride(machine: Json | null, override: Json | null): Triage | null {
  if (!override) return machine as Triage | null;
  const fields = Object.fromEntries(
    (['intent', 'queue', 'urgency'] as const).flatMap((k) =>
      str(override[k]) ? [[k, str(override[k])]] : [],
    ),
  );
  return { ...(machine ?? {}), ...fields, overridden: true } as Triage;
}

export interface IntentOption {
  name: string;
  description: string;
  queue: string;
  urgency: string;
}

export function toIntent(raw: unknown): IntentOption {
  const o = obj(raw) ?? {};
  return {
    name: str(o.name) ?? '',
    description: str(o.description) ?? '',
    queue: str(o.queue) ?? '',
    urgency: str(o.urgency) ?? 'routine',
  };
}

function toMessage(raw: unknown): Message {
  const o = obj(raw) ?? {};
  const author = obj(o.author);
  return {
    id: String(o.id),
    direction: o.direction === 'outbound' ? 'outbound' : 'inbound',
    channel: str(o.channel) ?? 'sms',
    body: str(o.body) ?? '',
    status: str(o.status) ?? '',
    triage: withOverride(obj(o.triage), obj(o.triageOverride)),
    policy: obj(o.policy),
    templateId: str(o.templateId),
    authorKind: str(o.authorKind) ?? 'patient',
    authorName: str(author?.name) ?? str(o.authorName),
    createdAt: str(o.createdAt) ?? new Date(0).toISOString(),
    errorCode: str(o.errorCode),
    errorMessage: str(o.errorMessage),
    scheduledFor: str(o.scheduledFor) ?? str(obj(o.policy)?.scheduledFor),
    securedVia: str(o.securedVia) ?? str(obj(o.policy)?.securedVia),
    failure: toFailure(obj(o.failure)),
    senderUnverified: o.senderUnverified === true,
  };
}

function toFailure(o: Record<string, unknown> | null): Message['failure'] {
  if (!o) return null;
  return { reason: str(o.reason) ?? 'The message could not be sent', retriedAs: str(o.retriedAs) };
}

function toConsent(raw: unknown): Consent {
  const o = obj(raw) ?? {};
  return {
    channel: str(o.channel) ?? '',
    purpose: str(o.purpose) ?? '',
    status: str(o.status) ?? '',
    recordedAt: str(o.recordedAt),
  };
}

/** `GET /conversations/:id` answers `{conversation}`; the messages and notes may sit inside or beside it. */
export function toDetail(answer: unknown): ConversationDetail {
  const outer = obj(answer) ?? {};
  const o = obj(outer.conversation) ?? outer;
  const contact = obj(o.contact) ?? {};
  return {
    id: String(o.id),
    queue: str(o.queue) ?? '',
    status: str(o.status) ?? 'open',
    urgency: str(o.urgency) ?? 'routine',
    priority: num(o.priority),
    slaDueAt: str(o.slaDueAt),
    snoozedUntil: str(o.snoozedUntil),
    assignee: person(o.assignee, o.assigneeId),
    contact: {
      id: str(contact.id) ?? '',
      displayName: str(contact.displayName),
      language: str(contact.language),
      timeZone: str(contact.timeZone),
      identities: arr(contact.identities).map((i) => {
        const io = obj(i) ?? {};
        return {
          kind: str(io.kind) ?? '',
          address: str(io.address) ?? '',
          display: str(io.display) ?? '',
          undeliverable: io.undeliverable === true,
        };
      }),
      consents: arr(contact.consents ?? outer.consents).map(toConsent),
    },
    displayName: str(o.displayName) ?? str(contact.displayName) ?? 'Unknown patient',
    displayAddress: str(o.displayAddress),
    messages: arr(o.messages ?? outer.messages).map(toMessage),
    notes: arr(o.notes ?? outer.notes).map((n) => {
      const no = obj(n) ?? {};
      return {
        id: String(no.id),
        body: str(no.body) ?? '',
        author: person(no.author, no.authorStaffId),
        createdAt: str(no.createdAt) ?? new Date(0).toISOString(),
      };
    }),
  };
}

export interface PolicyDecision {
  allowed: boolean;
  channel: string | null;
  securedVia: string | null;
  scheduledFor: string | null;
  code: string | null;
  reasons: string[];
}

export function toDecision(raw: unknown): PolicyDecision {
  const o = obj(obj(raw)?.decision) ?? obj(raw) ?? {};
  return {
    allowed: o.allowed === true,
    channel: str(o.channel),
    securedVia: str(o.securedVia),
    scheduledFor: str(o.scheduledFor),
    code: str(o.code),
    reasons: arr(o.reasons).filter((r): r is string => typeof r === 'string'),
  };
}

export interface TemplateInfo {
  id: string;
  title: string;
  sensitivity: string;
  purpose: string;
  channels: string[];
  variables: { name: string; type: string; required: boolean; description: string | null }[];
}

export function toTemplate(raw: unknown): TemplateInfo {
  const o = obj(raw) ?? {};
  const vars = o.variables;
  const variables = Array.isArray(vars)
    ? vars.map((v) => {
        const vo = obj(v) ?? {};
        return {
          name: str(vo.name) ?? '',
          type: str(vo.type) ?? 'string',
          required: vo.required !== false,
          description: str(vo.description),
        };
      })
    : Object.entries(obj(vars) ?? {}).map(([name, v]) => {
        const vo = obj(v) ?? {};
        return {
          name,
          type: str(vo.type) ?? 'string',
          required: vo.required !== false,
          description: str(vo.description),
        };
      });
  return {
    id: String(o.id),
    title: str(o.title) ?? String(o.id),
    sensitivity: str(o.sensitivity) ?? 'phi',
    purpose: str(o.purpose) ?? 'care',
    channels: arr(o.channels).filter((c): c is string => typeof c === 'string'),
    variables,
  };
}

/** A colleague, from `GET /staff` (supervisors and admins only). */
export interface StaffOption {
  id: string;
  name: string;
  role: string;
  queues: string[];
  disabled: boolean;
}

export function toStaffOption(raw: unknown): StaffOption {
  const o = obj(raw) ?? {};
  return {
    id: String(o.id),
    name: str(o.name) ?? str(o.email) ?? 'staff',
    role: str(o.role) ?? 'agent',
    queues: arr(o.queues).filter((q): q is string => typeof q === 'string'),
    disabled: o.disabled === true,
  };
}

/** A clinic's canned response: `/shortcut` in the composer inserts its body. */
export interface CannedResponse {
  id: string;
  shortcut: string;
  body: string;
}

export function toCannedResponse(raw: unknown): CannedResponse {
  const o = obj(raw) ?? {};
  return { id: str(o.id) ?? '', shortcut: str(o.shortcut) ?? '', body: str(o.body) ?? '' };
}
