import { sql } from 'drizzle-orm';
import {
  bigserial,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { StaffRole } from '../../../contracts/inbox-api';
import type { IdentityKind } from '../addresses/identity-kinds';

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const orgId = () =>
  uuid('org_id')
    .notNull()
    .references(() => organizations.id);
const contactId = () =>
  uuid('contact_id')
    .notNull()
    .references(() => contacts.id);

export type MessageDirection = 'inbound' | 'outbound';
export type MessageStatus =
  | 'received'
  | 'pending'
  | 'sending'
  | 'queued'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'read';
export type ConversationStatus = 'open' | 'pending' | 'resolved';
/**
 * `phone` and `email`, or a kind a channel declares (src/platform/addresses/identity-kinds.ts); a
 * plain text column, so a new channel's kind needs no migration.
 */
export type { IdentityKind };
export type ConsentStatus = 'opted_in' | 'opted_out';
export type { StaffRole };

export interface MediaItem {
  url: string;
  contentType: string;
}

/** A clinic. Every row below belongs to one. */
/** As stored; see src/clinic/acknowledgement-settings.ts for the defaults and what each part does. */
export interface AcknowledgementSettings {
  enabled?: boolean;
  windowMinutes?: number;
  /** The clinic's own wording per language code; a language without one gets the shipped template. */
  texts?: Record<string, string>;
}

/** As stored; see src/clinic/chat-appearance.ts for the defaults and what each part does. */
export interface ChatAppearanceSettings {
  logoUrl?: string | null;
  color?: string | null;
  greeting?: string | null;
  preChatForm?: boolean;
}

/** As stored; see src/clinic/csat-settings.ts for the defaults and what each part does. */
export interface CsatSettings {
  enabled?: boolean;
  windowHours?: number;
}

export const organizations = pgTable('organizations', {
  id: id(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  helpText: text('help_text'),
  /** Named by the emergency safety reply for someone at risk of self-harm (988 in the US). */
  crisisLine: text('crisis_line').notNull().default('988'),
  /** The automatic "we got your message" reply (src/clinic/acknowledgement-settings.ts); null: its defaults. */
  acknowledgement: jsonb('acknowledgement').$type<AcknowledgementSettings>(),
  /** How the patient web chat looks (src/clinic/chat-appearance.ts); null: the plain page. */
  chatAppearance: jsonb('chat_appearance').$type<ChatAppearanceSettings>(),
  /** The rating question after a conversation is resolved (src/clinic/csat-settings.ts); null: off. */
  csat: jsonb('csat').$type<CsatSettings>(),
  createdAt: createdAt(),
});

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    orgId: orgId(),
    displayName: text('display_name'),
    dateOfBirth: date('date_of_birth'),
    language: text('language'),
    timeZone: text('time_zone'),
    channelPreferences: jsonb('channel_preferences').$type<string[]>(),
    /** The practice system's patient id: a contact import matches on it first. */
    externalId: text('external_id'),
    /** Free labels ("flu-2025", "diabetic") an audience filters on (all of). */
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    /** Imported columns the hub has no field for, kept as text by column name. */
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_external_id_key').on(t.orgId, t.externalId).where(sql`${t.externalId} is not null`),
    index('contacts_tags_idx').using('gin', t.tags),
    // An audience's attribute filter (`attributes @> {...}`, campaigns/audience-filter.ts).
    index('contacts_attributes_idx').using('gin', t.attributes),
  ],
);

/** How a contact is reached: a normalized address per kind (E.164 phone, lower-cased email...). */
export const contactIdentities = pgTable(
  'contact_identities',
  {
    id: id(),
    orgId: orgId(),
    contactId: contactId(),
    kind: text('kind').$type<IdentityKind>().notNull(),
    address: text('address').notNull(),
    undeliverableAt: timestamp('undeliverable_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('contact_identities_address_key').on(t.orgId, t.kind, t.address),
    index('contact_identities_contact_idx').on(t.contactId),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: id(),
    orgId: orgId(),
    contactId: contactId(),
    status: text('status').$type<ConversationStatus>().notNull().default('open'),
    queue: text('queue').notNull().default('front-desk'),
    assigneeId: uuid('assignee_id').references(() => staffUsers.id),
    priority: integer('priority').notNull().default(0),
    urgency: text('urgency').notNull().default('routine'),
    slaDueAt: timestamp('sla_due_at', { withTimezone: true }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    lastMessageId: uuid('last_message_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    // One active conversation per contact: concurrent inbound messages cannot open two.
    uniqueIndex('conversations_one_active_per_contact').on(t.contactId).where(sql`${t.status} <> 'resolved'`),
    index('conversations_activity_idx').on(t.orgId, t.lastActivityAt),
    // A contact's past conversations (the patient panel, contact access) include resolved ones,
    // which the partial index above leaves out.
    index('conversations_contact_idx').on(t.contactId, t.lastActivityAt),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: id(),
    orgId: orgId(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    contactId: contactId(),
    direction: text('direction').$type<MessageDirection>().notNull(),
    channel: text('channel').notNull(),
    body: text('body').notNull().default(''),
    media: jsonb('media').$type<MediaItem[]>().notNull().default([]),
    fromAddress: text('from_address'),
    toAddress: text('to_address'),
    providerMessageId: text('provider_message_id'),
    status: text('status').$type<MessageStatus>().notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    templateId: text('template_id'),
    authorKind: text('author_kind').$type<'patient' | 'staff' | 'system'>().notNull(),
    authorStaffId: uuid('author_staff_id').references(() => staffUsers.id),
    /** Why the hub sent it when no person did, e.g. `opt_out_confirmation`. */
    automation: text('automation'),
    channelMeta: jsonb('channel_meta').$type<Record<string, unknown>>().notNull().default({}),
    triage: jsonb('triage').$type<Record<string, unknown>>(),
    policy: jsonb('policy').$type<Record<string, unknown>>(),
    /** The appointment a reminder (or an answer to one) is about. */
    appointmentId: uuid('appointment_id'),
    /**
     * An inbound message written within the attribution window after a campaign's message to the
     * contact: the campaign it answers (src/campaigns/reply-attribution.ts). A column, not a
     * channel_meta key: channel_meta is what the channel reported, this is the hub's own link, and
     * the campaign's `replied` count looks it up by index. No foreign key: campaigns live in
     * campaign-schema.ts, which refers to this table. On an outbound message: the campaign that
     * sent it, so the campaign's messages still to go are found by messages_campaign_outbox_idx
     * (the API shows it on replies only).
     */
    campaignId: uuid('campaign_id'),
    /** A staff correction of the triage decision, kept next to the machine's (the pair is training signal). */
    triageOverride: jsonb('triage_override').$type<Record<string, unknown>>(),
    /** Claims of this outbox row (pending -> sending), the first included. */
    sendAttempts: integer('send_attempts').notNull().default(0),
    /** When the current (or last) send claim was taken. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /**
     * A `sending` claim lapses at this time: a worker that never recorded an outcome (it died, its job
     * was lost with Redis, the provider's answer never came) leaves the row to be reconciled.
     */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** A failed send: when staff asked to send it again (taken, so it is sent again once). */
    retriedAt: timestamp('retried_at', { withTimezone: true }),
    /** A failed send: the new message that sent it again. Set, it no longer counts as a failed send. */
    retriedAs: uuid('retried_as'),
    requestId: text('request_id'),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    /**
     * On a staff reply that stopped an SLA clock: the conversation's due time it answered (a reply
     * after it answered late). Null on every other message.
     */
    answeredSlaDueAt: timestamp('answered_sla_due_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    // Idempotency on the provider's id: a replayed webhook cannot store a second copy.
    uniqueIndex('messages_provider_id_key').on(t.channel, t.providerMessageId),
    index('messages_conversation_idx').on(t.conversationId, t.createdAt),
    // The latest of our messages to an address: a bare "4" is a rating only while the rating
    // question is the last thing sent there (src/csat/csat-answers.ts).
    index('messages_outbound_to_idx')
      .on(t.channel, t.toAddress, t.createdAt)
      .where(sql`${t.direction} = 'outbound'`),
    // The sweeper looks for outbox rows whose job may have been lost.
    index('messages_outbox_idx').on(t.status, t.updatedAt).where(sql`${t.status} in ('pending', 'sending')`),
    // The outbound sweeper's pending rows in the order they fall due (src/outbound/outbox-sweeper.ts):
    // a sweep stops at now(), whatever waits for later. A campaign's rows (but the content of a
    // secure-link message, the outbound sweeper's) have their own index, by campaign.
    index('messages_outbox_due_idx')
      .on(sql`coalesce(${t.scheduledFor}, ${t.updatedAt})`)
      .where(
        sql`${t.status} = 'pending' and ${t.direction} = 'outbound' and (${t.campaignId} is null or ${t.channel} = 'securelink')`,
      ),
    // ... the campaign sweeper's, read per running campaign: a paused one's rows are not read either.
    index('messages_campaign_outbox_due_idx')
      .on(t.campaignId, sql`coalesce(${t.scheduledFor}, ${t.updatedAt})`)
      .where(
        sql`${t.status} = 'pending' and ${t.direction} = 'outbound' and ${t.campaignId} is not null and ${t.channel} <> 'securelink'`,
      ),
    // ... and for claims whose lease lapsed.
    index('messages_lease_idx').on(t.leaseUntil).where(sql`${t.status} = 'sending'`),
    // Failed sends nobody has sent again, counted per queue for staff.
    index('messages_failed_sends_idx')
      .on(t.conversationId)
      .where(
        sql`${t.direction} = 'outbound' and ${t.status} in ('failed', 'undelivered') and ${t.retriedAs} is null`,
      ),
    index('messages_sla_answered_idx').on(t.orgId, t.createdAt).where(sql`${t.answeredSlaDueAt} is not null`),
    // The campaigns' frequency cap counts a contact's recent marketing messages (campaigns/frequency-cap.ts).
    index('messages_marketing_idx')
      .on(t.contactId, t.createdAt)
      .where(sql`${t.direction} = 'outbound' and ${t.policy}->>'purpose' = 'marketing'`),
    // An audience's last-message filter probes a contact's inbound messages by time
    // (campaigns/audience-activity.ts).
    index('messages_inbound_contact_idx').on(t.contactId, t.createdAt).where(sql`${t.direction} = 'inbound'`),
    // A campaign's messages still to go (completeIfDone, the planner's window), whatever else waits.
    index('messages_campaign_outbox_idx')
      .on(t.campaignId, t.scheduledFor)
      .where(sql`${t.campaignId} is not null and ${t.status} in ('pending', 'sending')`),
    // Replies attributed to a campaign, counted per campaign.
    index('messages_campaign_reply_idx')
      .on(t.campaignId, t.contactId)
      .where(sql`${t.campaignId} is not null`),
  ],
);

export const messageStatusEvents = pgTable(
  'message_status_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: uuid('message_id').references(() => messages.id),
    channel: text('channel').notNull(),
    providerMessageId: text('provider_message_id').notNull(),
    status: text('status').$type<MessageStatus>().notNull(),
    providerStatus: text('provider_status').notNull(),
    errorCode: text('error_code'),
    /** True when the event moved the message forward; false when it arrived late and was kept only. */
    applied: integer('applied').notNull().default(0),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('message_status_events_message_idx').on(t.messageId),
    index('message_status_events_orphan_idx')
      .on(t.channel, t.providerMessageId)
      .where(sql`${t.messageId} is null`),
  ],
);

/** Append-only (a trigger refuses UPDATE and DELETE): the newest row per channel and purpose wins. */
export const consentLedger = pgTable(
  'consent_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: orgId(),
    contactId: contactId(),
    channel: text('channel').notNull(),
    purpose: text('purpose').notNull(),
    status: text('status').$type<ConsentStatus>().notNull(),
    source: text('source').notNull(),
    evidenceMessageId: uuid('evidence_message_id').references(() => messages.id),
    note: text('note'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('consent_ledger_contact_idx').on(t.contactId, t.channel, t.recordedAt)],
);

export const staffUsers = pgTable('staff_users', {
  id: id(),
  orgId: orgId(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role').$type<StaffRole>().notNull(),
  passwordHash: text('password_hash').notNull(),
  queues: jsonb('queues').$type<string[]>().notNull().default([]),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  createdAt: createdAt(),
});

export const staffSessions = pgTable('staff_sessions', {
  id: id(),
  staffId: uuid('staff_id')
    .notNull()
    .references(() => staffUsers.id),
  /** SHA-256 of the bearer token: a database leak does not leak live sessions. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** Append-only (a trigger refuses UPDATE and DELETE): who saw or changed what. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: uuid('org_id').references(() => organizations.id),
    actorKind: text('actor_kind').$type<'staff' | 'patient' | 'system' | 'provider'>().notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    ip: text('ip'),
    requestId: text('request_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_subject_idx').on(t.subjectType, t.subjectId, t.at)],
);

/** Small key/value settings the hub generates itself (e.g. the sandbox webhook signing token). */
export const hubSettings = pgTable('hub_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export type AppointmentStatus = 'scheduled' | 'confirmed' | 'cancelled' | 'reschedule_requested';

export const appointments = pgTable(
  'appointments',
  {
    id: id(),
    orgId: orgId(),
    contactId: contactId(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    location: text('location').notNull(),
    status: text('status').$type<AppointmentStatus>().notNull().default('scheduled'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('appointments_contact_idx').on(t.contactId, t.startsAt)],
);

/**
 * Events staff need to see (e.g. `triage.escalated`), stored in order so a client that reconnects
 * can resume from the last id it saw instead of losing what happened while it was away.
 */
export const hubEvents = pgTable(
  'hub_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: orgId(),
    type: text('type').notNull(),
    conversationId: uuid('conversation_id'),
    messageId: uuid('message_id'),
    queue: text('queue'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('hub_events_type_idx').on(t.orgId, t.type, t.id),
    // Replay's look-back (src/inbox/realtime/event-replay.ts).
    index('hub_events_created_idx').on(t.orgId, t.createdAt),
  ],
);
