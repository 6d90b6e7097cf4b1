import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AudienceFilterView } from '../../../contracts/inbox-api';
import { contacts, messages, organizations, staffUsers } from './core-schema';

export type ContactImportStatus = 'running' | 'completed' | 'failed';

/** One CSV upload of contacts, and what it did (or, for a dry run, would do). */
export const contactImports = pgTable('contact_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id')
    .notNull()
    .references(() => organizations.id),
  createdBy: uuid('created_by').references(() => staffUsers.id),
  status: text('status').$type<ContactImportStatus>().notNull().default('running'),
  dryRun: boolean('dry_run').notNull().default(false),
  total: integer('total').notNull().default(0),
  created: integer('created').notNull().default(0),
  updated: integer('updated').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
  /** Why the whole file stopped (unreadable CSV): a code, never file content. */
  failureCode: text('failure_code'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/** A rejected row of an import: its line and why, for the downloadable error report. */
export const contactImportErrors = pgTable(
  'contact_import_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => contactImports.id),
    /** The row's line in the file (the header is line 1). */
    line: integer('line').notNull(),
    column: text('column'),
    code: text('code').notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('contact_import_errors_import_idx').on(t.importId, t.line)],
);

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

/**
 * An audience filter, kept as data and evaluated in SQL (campaigns/audience-filter.ts): stored as the
 * staff API takes and shows it, so the contract's type is the stored one.
 */
export type AudienceFilter = AudienceFilterView;
export type AppointmentCondition = NonNullable<AudienceFilter['appointments']>;
export type ConsentCondition = NonNullable<AudienceFilter['consent']>;

export type AudienceKind = 'filter' | 'list';

/**
 * A saved audience: a named filter, evaluated when a campaign starts (kind `filter`), or a static
 * list of contacts, filled by an import (kind `list`, its members in audience_members).
 */
export const audiences = pgTable(
  'audiences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    kind: text('kind').$type<AudienceKind>().notNull().default('filter'),
    name: text('name').notNull(),
    createdBy: uuid('created_by').references(() => staffUsers.id),
    filter: jsonb('filter').$type<AudienceFilter>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('audiences_org_name_key').on(t.orgId, t.name)],
);

/** The contacts of a static list. */
export const audienceMembers = pgTable(
  'audience_members',
  {
    audienceId: uuid('audience_id')
      .notNull()
      .references(() => audiences.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    /**
     * The import row's own columns the hub has no field for, as this list had them: a campaign to
     * the list fills its template from these before the contact's attributes, which a later import
     * of another list may have overwritten (list-columns.ts).
     */
    columns: jsonb('columns').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.audienceId, t.contactId] })],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    template: text('template').notNull(),
    /** The filter as it was when the campaign was made; `audienceId`: the saved audience it came from. */
    audience: jsonb('audience').$type<{ filter: AudienceFilter; audienceId?: string }>().notNull(),
    /** Variables every recipient shares; contact fields and attributes fill the rest per recipient. */
    variables: jsonb('variables').$type<Record<string, unknown>>().notNull().default({}),
    channelPreference: text('channel_preference'),
    scheduleAt: timestamp('schedule_at', { withTimezone: true }),
    /** After it nothing more is planned or sent; recipients not yet sent are skipped `campaign_ended`. */
    endAt: timestamp('end_at', { withTimezone: true }),
    /** `morning`: each recipient's message waits for her own morning (morningSendingWindow). */
    sendWindow: text('send_window').$type<'morning'>(),
    /**
     * Messages per second per sender for this campaign, below the clinic's CAMPAIGN_SEND_RATE (the
     * carrier's limit, which every campaign on a sender shares); null: the clinic's rate.
     */
    sendRate: doublePrecision('send_rate'),
    status: text('status').$type<CampaignStatus>().notNull().default('draft'),
    /**
     * Raised by every start and resume: a planner job belongs to one run, and one of an earlier run
     * that is still finishing stops instead of planning beside the new one.
     */
    run: integer('run').notNull().default(0),
    createdBy: uuid('created_by').references(() => staffUsers.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /**
     * The audience's size counted by the start, shown as its recipients until their rows are all in.
     * The audience is the contacts that matched at `startedAt` (campaign-audience.ts).
     */
    audienceCount: integer('audience_count'),
    /** When the run had inserted the last of its recipients' rows; null while it inserts them. */
    recipientsInsertedAt: timestamp('recipients_inserted_at', { withTimezone: true }),
  },
  (t) => [index('campaigns_org_idx').on(t.orgId, t.createdAt)],
);

/**
 * `pending` until the run's decide phase; then `skipped` with its reason, or `ready` with the channel
 * and the time the policy gave it (now, or the patient's morning); `planned` once released, with its
 * message.
 */
export type CampaignRecipientStatus = 'pending' | 'ready' | 'planned' | 'skipped';

/**
 * Who a campaign reaches, fixed when it starts. One row per (campaign, contact), the recipient's
 * outbox row: decided in bulk at the start of a run (campaign-decide.ts), then released in the order
 * of its due time, its message written in the same transaction that marks the row planned, so no
 * contact gets it twice.
 */
export const campaignRecipients = pgTable(
  'campaign_recipients',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    status: text('status').$type<CampaignRecipientStatus>().notNull().default('pending'),
    skipReason: text('skip_reason'),
    messageId: uuid('message_id').references(() => messages.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** The channel the decide phase planned (a `ready` recipient); the message's once planned. */
    channel: text('channel'),
    /** When a `ready` recipient is due: her release order (now, or her morning in her own zone). */
    dueAt: timestamp('due_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('campaign_recipients_contact_key').on(t.campaignId, t.contactId),
    index('campaign_recipients_pending_idx').on(t.campaignId, t.id).where(sql`${t.status} = 'pending'`),
    // The release order: a campaign's ready recipients by due time.
    index('campaign_recipients_ready_idx').on(t.campaignId, t.dueAt, t.id).where(sql`${t.status} = 'ready'`),
    // Partial, as the next: a decide phase writes 100,000 recipients at once, and each entry an index
    // takes per written row (no HOT update: its status is in the indexes' predicates) costs there.
    uniqueIndex('campaign_recipients_message_key').on(t.messageId).where(sql`${t.messageId} is not null`),
    // A patient's reply looks up the campaigns that reached them (reply-attribution.ts). Whole, not
    // partial on `planned`: PostgreSQL's foreign-key check when a contact is deleted (the inbound
    // race in inbound-batch-store.ts drops the losing contact inside the inbound transaction) has no
    // status condition, and without this index it scanned every recipient (69 ms at 500,000 rows).
    // The decide phase pays one more index entry per recipient for it.
    index('campaign_recipients_contact_idx').on(t.contactId),
  ],
);
