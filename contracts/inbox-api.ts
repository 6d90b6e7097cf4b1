// The JSON the hub's staff API answers with, as the staff pages read it. The server's presenters
// are checked against these types (`satisfies Sendable<...>`) and web/ imports them, so a field
// renamed on one side fails the type check of the other instead of showing "—" in the page.
// Types only: no imports, no code, so both the hub (Node, CommonJS) and the pages (Vite) compile it.

/** What the server may hand to res.json for a wire type `T`: a Date is sent as its ISO string. */
export type Sendable<T> = T extends string
  ? T | Date
  : T extends readonly (infer U)[]
    ? readonly Sendable<U>[]
    : T extends object
      ? { [K in keyof T]: Sendable<T[K]> }
      : T;

/** An instant as JSON carries it: ISO 8601 in UTC. */
export type Timestamp = string;

/** One row of `GET /stats/queues`: today's figures of one staff queue. */
export interface QueueStatsRow {
  queue: string;
  name: string;
  /** Patient messages since midnight, clinic time. */
  volumeToday: number;
  /** Conversations not resolved (snoozed ones included). */
  openNow: number;
  /** Median time from a patient's first message today to the first staff reply; null when none. */
  medianFirstResponseSeconds: number | null;
  slaBreaches: number;
  emergenciesToday: number;
}

/** `GET /stats/queues` (supervisors and admins). */
export interface QueueStatsResponse {
  /** The clinic's calendar date the figures are for (YYYY-MM-DD). */
  date: string | null;
  timeZone: string;
  since: Timestamp;
  queues: QueueStatsRow[];
}

/** One patient's answer to "How did we do?". */
export interface CsatRatingView {
  conversationId: string;
  rating: number;
  ratedAt: Timestamp;
  channel: string;
  /** The conversation's queue, for the supervisor to see whose work was rated. */
  queue: string;
}

/** `GET /stats/csat` (supervisors and admins): ratings of the last `days` days. */
export interface CsatSummaryResponse {
  /** Whether the clinic asks the rating question now (clinic settings `csat`). */
  enabled: boolean;
  days: number;
  asked: number;
  rated: number;
  /** Mean rating, one decimal; null with no rating. */
  average: number | null;
  /** How many ratings of 1, 2, 3, 4 and 5. */
  counts: [number, number, number, number, number];
  /** The newest first, at most 20. */
  recent: CsatRatingView[];
}

/** `GET /queues`: the queues the caller may see, with today's counts for the caller. */
export interface QueueSummary {
  id: string;
  name: string;
  sortOrder: number;
  /** The answer time given to a conversation that arrives without one of its own. */
  slaMinutes: number;
  open: number;
  unread: number;
  emergencies: number;
  slaBreached: number;
  /** Sends that failed for good and nobody sent again, in the queue's conversations. */
  failedSends: number;
}

export interface QueueListResponse {
  queues: QueueSummary[];
}

/** A conversation's routing and workflow state, as every conversation answer starts. */
export interface ConversationState {
  id: string;
  status: string;
  queue: string;
  priority: number;
  urgency: string;
  assigneeId: string | null;
  slaDueAt: Timestamp | null;
  lastActivityAt: Timestamp;
}

export interface StaffRef {
  id: string;
  name: string;
}

/** A clinic's conversation label. */
export interface LabelView {
  id: string;
  name: string;
  color: string;
}

/** One row of `GET /conversations`. */
export interface ConversationSummary extends ConversationState {
  contact: { id: string; displayName: string | null };
  /** Name, else formatted phone or email, else "Web chat visitor"; never a chat session id. */
  displayName: string;
  displayAddress: string | null;
  lastMessage: {
    id: string;
    direction: string;
    channel: string;
    body: string;
    status: string;
    createdAt: Timestamp;
  } | null;
  snippet: string | null;
  /** The patient's newest words (null when she has not written yet). */
  patientSnippet: string | null;
  lastPatientMessageAt: Timestamp | null;
  /** Set when the newest message is an answer: the hub's automatic one or a staff member's. */
  lastReply: { by: 'hub' | 'staff'; snippet: string } | null;
  lastMessageChannel: string | null;
  channels: string[];
  assignee: StaffRef | null;
  unread: boolean;
  labels: LabelView[];
  snoozedUntil: Timestamp | null;
}

/** `GET /conversations`: a page, newest (or most urgent) first; `nextCursor` null on the last page. */
export interface ConversationListResponse {
  conversations: ConversationSummary[];
  nextCursor: string | null;
}

/** A message as the staff API answers it. `triage`, `policy` and the like are the stored records. */
export interface MessageView {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  channel: string;
  body: string;
  media: unknown[];
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  providerMessageId: string | null;
  templateId: string | null;
  authorKind: 'patient' | 'staff' | 'system';
  authorStaffId: string | null;
  automation: string | null;
  channelMeta: Record<string, unknown>;
  /** The channel could not prove the sender owns the address it wrote from (a possibly forged email). */
  senderUnverified: boolean;
  /** Triage's decision as stored (intent, urgency, queue, confidence, reasons, ...). */
  triage: Record<string, unknown> | null;
  /** A staff correction of `triage`, kept beside it: its intent, queue and urgency win. */
  triageOverride: Record<string, unknown> | null;
  /** The policy's decision as stored with the send (channel, securedVia, scheduledFor, reasons, ...). */
  policy: Record<string, unknown> | null;
  /** A patient's message within the attribution window after a campaign's message: that campaign. */
  campaignId: string | null;
  createdAt: Timestamp;
  sentAt: Timestamp | null;
  deliveredAt: Timestamp | null;
  /** A send that failed for good: why, in words, and the message that sent it again (if any). */
  failure: { reason: string; retriedAs: string | null } | null;
}

export interface ConsentView {
  channel: string;
  purpose: string;
  status: string;
  source: string | null;
  recordedAt: Timestamp;
}

export interface NoteView {
  id: string;
  body: string;
  author: StaffRef | null;
  createdAt: Timestamp;
}

/** `GET /conversations/:id` answers `{ conversation }`. */
export interface ConversationDetail extends ConversationState {
  snoozedUntil: Timestamp | null;
  assignee: StaffRef | null;
  createdAt: Timestamp;
  resolvedAt: Timestamp | null;
  displayName: string;
  displayAddress: string | null;
  contact: {
    id: string;
    displayName: string | null;
    language: string | null;
    timeZone: string | null;
    identities: { kind: string; address: string; display: string; undeliverable: boolean }[];
    consents: ConsentView[];
  };
  /** `campaign`: the campaign a patient's message answers (its `campaignId`), with its name. */
  messages: (MessageView & { author: StaffRef | null; campaign: { id: string; name: string } | null })[];
  notes: NoteView[];
  /** The web chat visitor asked to be texted when the clinic replies; null when not. */
  textRequest: TextRequestView | null;
}

/**
 * A web chat visitor's "text me when you reply". `active`: replies made while their chat is closed
 * go by text (or a text says one is waiting). `held`: the number is on file for another patient,
 * so nothing is texted or merged until staff check it.
 */
export interface TextRequestView {
  phone: string;
  /** The phone as staff read it. */
  display: string;
  status: 'active' | 'held';
  requestedAt: Timestamp;
}

export interface ConversationDetailResponse {
  conversation: ConversationDetail;
}

/** What the policy decided about a send (also the body of a 422 refusal, beside `error`). */
export interface PolicyDecisionView {
  allowed: boolean;
  channel: string | null;
  securedVia: string | null;
  scheduledFor: Timestamp | null;
  code: string | null;
  reasons: string[];
  /** Each channel the policy weighed, and what it found. */
  considered: { channel: string; verdict: string }[];
}

/** `POST /policy/check` answers `{ decision }`. */
export interface PolicyCheckResponse {
  decision: PolicyDecisionView;
  /** For a staff reply (a check with a `conversationId`): what it will do, in plain words. */
  guidance?: ReplyGuidance;
  /** For a template staff reply: the text the patient will read, and where (`securelink`: behind the link). */
  rendered?: { channel: string; text: string };
}

/** A one-click way out the composer offers: the content or the contact changed so a reply can go. */
export type ReplyRemedy = 'add_date_of_birth' | 'mark_not_sensitive' | 'send_as_secure_link';

/** What a staff reply will do, for a person: one sentence, and the ways out the composer offers. */
export interface ReplyGuidance {
  summary: string;
  remedies: ReplyRemedy[];
}

/** `POST /conversations/:id/messages` (202): the reply as stored, and where and when it goes. */
export interface StaffReplyResponse {
  message: MessageView & { securedVia: string | null; scheduledFor: Timestamp | null };
  decision: PolicyDecisionView;
}

/** Every 4xx and 5xx answer of the API. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** `details` of a 422 from a send or a policy check the policy refused (`error.code` is its code). */
export interface PolicyRefusalDetails {
  reasons: string[];
  /** A refused staff reply: what stopped it, in plain words, and the ways out. */
  guidance?: ReplyGuidance;
}

/** One of a contact's conversations, as the patient panel lists them (`GET /contacts/:id/conversations`). */
export interface ContactConversationView {
  id: string;
  status: string;
  queue: string;
  urgency: string;
  createdAt: Timestamp;
  lastActivityAt: Timestamp;
  resolvedAt: Timestamp | null;
  /** The start (140 characters) of the patient's last message in it, as plain text. */
  lastPatientMessage: string | null;
}

export interface ContactConversationsResponse {
  conversations: ContactConversationView[];
}

/** `GET`/`PATCH /contacts/:id` answer `{ contact }`. */
export interface ContactView {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  /** YYYY-MM-DD; what a patient confirms to open a secure link. */
  dateOfBirth: string | null;
  language: string | null;
  timeZone: string | null;
  channelPreferences: string[];
  /** The clinic's own facts about the patient, label to value. */
  attributes: Record<string, string>;
  /** What campaign audiences select on; set by an import or by staff. */
  tags: string[];
  identities: { kind: string; address: string; undeliverable: boolean }[];
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface ContactResponse {
  contact: ContactView;
}

/** `GET /templates` answers `{ templates }`: what the composer's template picker offers. */
export interface TemplateListResponse {
  templates: TemplateView[];
}

export interface TemplateView {
  id: string;
  title: string;
  /** Sent by the hub itself (a safety reply, a STOP confirmation): not offered to staff. */
  system: boolean;
  purpose: string;
  sensitivity: string;
  channels: string[];
  locales: string[];
  variables: {
    name: string;
    /** The name in words ("Appointment time"). */
    label: string;
    type: string;
    required: boolean;
    description: string | null;
    /** The clinic's own value, filled in for staff (its name, its crisis line); null otherwise. */
    value: string | null;
  }[];
}

/** `GET /labels`. */
export interface LabelListResponse {
  labels: LabelView[];
}

/** A clinic's canned response: `/shortcut` in the composer inserts its body. */
export interface CannedResponseView {
  id: string;
  shortcut: string;
  body: string;
  updatedAt: Timestamp;
}

/** `GET /canned-responses`. */
export interface CannedResponseListResponse {
  cannedResponses: CannedResponseView[];
}

/**
 * What a staff account may do. `admin`: everything, settings and staff included; `supervisor`: every
 * queue; `manager`: runs campaigns and contact imports (src/campaigns), otherwise sees what an agent
 * sees; `agent`: the queues assigned. The one list of roles: the hub's schema and checks use it too.
 */
export type StaffRole = 'admin' | 'supervisor' | 'manager' | 'agent';

/** A staff account as `GET /staff` lists it (supervisors and admins). */
export interface StaffView {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  queues: string[];
  disabled: boolean;
  disabledAt: Timestamp | null;
  createdAt: Timestamp;
}

export interface StaffListResponse {
  staff: StaffView[];
}

/** An intent staff may pick when they override triage. */
export interface IntentView {
  name: string;
  /** The intent as staff read it ("Clinical question"), from intents/*.yaml. */
  label: string;
  /** What the patient did, as a triage note says it ("Asked a clinical question"). */
  summary: string;
  description: string;
  queue: string;
  urgency: string;
}

/** `GET /triage/intents`. */
export interface IntentListResponse {
  intents: IntentView[];
}

/** `POST /contacts/imports` (202) and `GET /contacts/imports/:id` (admins and managers). */
export interface ContactImportView {
  id: string;
  status: 'running' | 'completed' | 'failed';
  /** The 202 of an import with `?list=NAME`: the static list its rows' contacts join. */
  listId?: string;
  dryRun?: boolean;
  total?: number;
  created?: number;
  updated?: number;
  rejected?: number;
  failureCode?: string | null;
  /** The rejected rows' CSV report (line, column, code, message), under /api/v1. */
  errorsUrl: string;
}

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

/** An audience as data: every key given narrows it (tags: all of them). */
export interface AudienceFilterView {
  tags?: string[];
  language?: string[];
  ageMin?: number;
  ageMax?: number;
  /** Members of a static list (a saved audience of kind `list`), by its id. */
  list?: string;
  /** The contact's recorded IANA zone: one of these (one may be given as a string). */
  timeZone?: string[];
  /** Imported attributes: all of these exact values. */
  attributes?: Record<string, string>;
  /** Has an appointment in the range with one of the statuses; with `none: true`, has none. */
  appointments?: AudienceAppointmentsView;
  /**
   * The contact's last inbound message (or visit: a past appointment scheduled or confirmed) before
   * / at or after a date (`YYYY-MM-DD`, that day's start in the clinic's zone) or an ISO instant.
   * A contact with none is left out by either.
   */
  lastMessageBefore?: string;
  lastMessageAfter?: string;
  lastVisitBefore?: string;
  lastVisitAfter?: string;
  /** The consent that governs (channel, purpose) now, as the policy reads the ledger; `none`: never recorded. */
  consent?: {
    channel: string;
    purpose: 'care' | 'administrative' | 'marketing';
    status: 'opted_in' | 'opted_out' | 'none';
  };
  /** Has a deliverable address for one of these channels (one may be given as a string). */
  reachableBy?: string[];
}

/** `from`/`to`: a date (a whole day in the clinic's zone, `to` included) or an ISO instant. */
export interface AudienceAppointmentsView {
  from?: string;
  to?: string;
  status?: ('scheduled' | 'confirmed' | 'cancelled' | 'reschedule_requested')[];
  none?: boolean;
}

/** A saved audience (`/audiences`): a named filter, or a static list an import filled. */
export interface AudienceView {
  id: string;
  name: string;
  kind: 'filter' | 'list';
  /** A list's is `{list: id}`. */
  filter: AudienceFilterView;
  /** Contacts it selects now. */
  count: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `GET /audiences` (by name, at most 500). */
export interface AudienceListResponse {
  audiences: AudienceView[];
}

/** A campaign as `POST /campaigns`, `GET /campaigns` and the state changes answer it. */
export interface CampaignView {
  id: string;
  name: string;
  template: string;
  /** `audienceId`: the saved audience the filter was copied from. */
  audience: { filter: AudienceFilterView; audienceId?: string };
  variables: Record<string, string | number | boolean>;
  channelPreference: 'sms' | 'email' | 'voice' | null;
  scheduleAt: Timestamp | null;
  /** After it nothing more is planned or sent; recipients not yet sent are skipped `campaign_ended`. */
  endAt: Timestamp | null;
  /** `morning`: each recipient's message waits for 09:00–12:00 in her own time zone. */
  sendWindow: 'morning' | null;
  /**
   * Messages per second per sender for this campaign: slower than the clinic's CAMPAIGN_SEND_RATE,
   * never faster. Null: the clinic's rate.
   */
  sendRate: number | null;
  status: CampaignStatus;
  createdAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
}

/** `GET /campaigns` (newest first, at most 200). */
export interface CampaignListResponse {
  campaigns: CampaignView[];
}

/** The outcome figures of a part of a campaign's recipients (one channel, one language, or all). */
export interface CampaignFiguresView {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  /** Failed sends by error code (`unknown` without one). */
  failedByCode: Record<string, number>;
  replied: number;
  optedOut: number;
  /** Recipients who opened the secure link their message carried (or its unread reminder's). */
  linkOpened: number;
  /** Recipients whose reply to the campaign triage (or staff) read as a confirmation (`confirm`). */
  confirmed: number;
  /**
   * Recipients with an appointment created after the message was sent, within the attribution
   * window (CAMPAIGN_REPLY_WINDOW_DAYS), not cancelled, and with no other campaign's message between.
   */
  booked: number;
}

export interface CampaignStatsView extends CampaignFiguresView {
  /** Messages waiting for the end of quiet hours in the recipient's zone. */
  deferred: number;
  skipped: Record<string, number>;
  /** Per channel the messages went on (skipped recipients are not counted here). */
  byChannel: Record<string, CampaignFiguresView>;
  /** Per recipient's language (`unknown` without one), skipped recipients included. */
  byLocale: Record<string, CampaignFiguresView>;
  /** Sends and deliveries per bucket (a minute or more, so a run fits in about 120), oldest first. */
  series: { bucketSeconds: number; points: { at: Timestamp; sent: number; delivered: number }[] };
}

/** `GET /campaigns/:id`; also the `/inbox` socket's `campaign.progress` event (admins and managers). */
export interface CampaignDetailResponse extends CampaignView {
  stats: CampaignStatsView;
}

/** `POST /campaigns/:id/preview`: what starting it would do, nothing sent. */
export interface CampaignPreviewResponse {
  recipients: number;
  /** Recipients per channel the message would go on (a secure-link notice counts on its channel). */
  byChannel: Record<string, number>;
  /** Recipients whose content would wait behind a secure link (only a notice goes on the channel). */
  securedVia: number;
  /** Recipients whose message would wait for the end of quiet hours in their time zone. */
  deferred: number;
  skipped: Record<string, number>;
  /** The message as a few recipients would get it, one per channel and locale. */
  samples: { channel: string; locale: string; subject?: string; text: string }[];
}

/**
 * `POST /campaigns/:id/test-send {to}` (a phone or email): `202` once the test is written to the
 * outbox; a policy refusal is `422` with its code. Never a recipient or a figure of the campaign.
 */
export interface CampaignTestSendResponse {
  test: true;
  messageId: string;
  channel: string;
  /** Deferred to the end of quiet hours in the address's contact's zone, or null. */
  scheduledFor: Timestamp | null;
}

/** `GET /channels`: the channels this hub runs, as their adapters declare them. */
export interface ChannelListResponse {
  channels: ChannelView[];
}

export interface ChannelView {
  /** The name sends and messages carry (`sms`). */
  channel: string;
  /** How a sentence names it (`SMS`, `web chat`): "will go by web chat". */
  label: string;
  /** The name standing alone (`Web chat`, `Voice call`). */
  title: string;
  /** The short text mark shown as its icon (`Chat`). */
  mark: string;
  identityKind: string;
  /** False for a channel read in the hub (a secure link): a send, reminder or consent never names it. */
  delivers: boolean;
}
