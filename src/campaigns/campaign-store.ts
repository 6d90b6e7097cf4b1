import { and, eq, inArray, sql } from 'drizzle-orm';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import { type CampaignStatus, campaignRecipients, campaigns } from '../platform/db/campaign-schema';
import type { Database, Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { HttpError } from '../platform/http/http-error';
import type { AudienceChannels } from './audience-filter';
import { anyMarketingOptIn, audienceAtStart } from './campaign-audience';
import { recipientOutcomes } from './campaign-outcomes';

export type CampaignRow = typeof campaigns.$inferSelect;

/**
 * Whether this run of the campaign is still the one running, read under a share lock on the campaign,
 * which a pause or cancel takes for update: a transaction that writes for the run after this check
 * commits before either, or not at all. A decide page asks for no-key update instead, so that two
 * deciders and a release of the campaign take turns (campaign-decide.ts).
 */
export async function runIsCurrent(
  tx: Queryable,
  campaign: Pick<CampaignRow, 'id' | 'run'>,
  lock: 'share' | 'no key update' = 'share',
): Promise<boolean> {
  const [current] = await tx
    .select({ status: campaigns.status, run: campaigns.run })
    .from(campaigns)
    .where(eq(campaigns.id, campaign.id))
    .for(lock);
  return current?.status === 'running' && current.run === campaign.run;
}

/** The moves staff may make, from the states each is allowed in. Anything else is 409. */
const TRANSITIONS = {
  start: ['draft'],
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
} as const satisfies Record<string, readonly CampaignStatus[]>;

export type CampaignAction = keyof typeof TRANSITIONS;

export async function getCampaign(db: Queryable, orgId: string, id: string): Promise<CampaignRow> {
  const [row] = await db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.id, id), eq(campaigns.orgId, orgId)));
  if (!row) throw new HttpError(404, 'campaign_not_found', 'No such campaign');
  return row;
}

/** The campaign, locked for update until the transaction ends: its state changes take turns. */
export async function lockedCampaign(tx: Queryable, orgId: string, id: string): Promise<CampaignRow> {
  const [current] = await tx
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.id, id), eq(campaigns.orgId, orgId)))
    .for('update');
  if (!current) throw new HttpError(404, 'campaign_not_found', 'No such campaign');
  return current;
}

/**
 * Moves a campaign to its next state under a row lock, so two concurrent starts cannot both pass
 * (the second answers 409). A start answers at once: it counts the audience as it is now (none:
 * 422 `audience_empty`; a marketing template to an audience where nobody ever opted in to marketing:
 * 422 `audience_without_opt_in`, given `templates`), keeps the count and the moment (`started_at`,
 * the cut of its audience), and its run inserts the recipients' rows before deciding them
 * (campaign-audience.ts).
 */
export async function transitionCampaign(
  db: Database,
  orgId: string,
  id: string,
  action: CampaignAction,
  channels: AudienceChannels,
  templates?: Pick<OutboundServiceDeps['templates'], 'get'>,
): Promise<CampaignRow> {
  return db.transaction(async (tx) => {
    const current = await lockedCampaign(tx, orgId, id);
    const allowed: readonly CampaignStatus[] = TRANSITIONS[action];
    if (!allowed.includes(current.status)) {
      throw new HttpError(409, 'campaign_state_conflict', `A ${current.status} campaign cannot ${action}`, {
        status: current.status,
      });
    }
    let audienceCount: number | undefined;
    if (action === 'start') {
      if (current.endAt && current.endAt.getTime() <= Date.now()) {
        throw new HttpError(422, 'end_in_past', 'The campaign would end before it starts; edit its end time');
      }
      if (current.scheduleAt && current.scheduleAt.getTime() < Date.now() - 60_000) {
        throw new HttpError(
          422,
          'schedule_in_past',
          'The campaign is scheduled in the past; edit its schedule',
        );
      }
      // One count in SQL (tens of ms at 100,000 contacts), where the start used to insert every row.
      audienceCount = await audienceAtStart(tx, current, channels);
      if (audienceCount === 0) {
        throw new HttpError(422, 'audience_empty', "No contact matches the campaign's audience");
      }
      if (
        templates?.get(current.template)?.purpose === 'marketing' &&
        !(await anyMarketingOptIn(tx, current, channels))
      ) {
        throw new HttpError(
          422,
          'audience_without_opt_in',
          'A marketing message needs an opt-in, and nobody in this audience has given one (the preview shows them all skipped)',
        );
      }
    }
    if (action === 'cancel') {
      // What waits to go (deferred or not yet taken by the send worker) is not sent.
      await tx.execute(sql`
        update messages set status = 'failed', error_code = ${CAMPAIGN_CANCELLED_REASON}, updated_at = now()
        where campaign_id = ${current.id} and status = 'pending'`);
      // Those decided and waiting for their release (their morning, say) are not sent either.
      await tx.execute(sql`
        update ${campaignRecipients} set status = 'skipped', skip_reason = ${CAMPAIGN_CANCELLED_REASON},
          due_at = null, decided_at = now()
        where campaign_id = ${current.id} and status = 'ready'`);
    }
    const later = current.scheduleAt !== null && current.scheduleAt.getTime() > Date.now();
    const next: CampaignStatus =
      action === 'start'
        ? later
          ? 'scheduled'
          : 'running'
        : action === 'pause'
          ? 'paused'
          : action === 'resume'
            ? later
              ? 'scheduled'
              : 'running'
            : 'cancelled';
    const [row] = await tx
      .update(campaigns)
      .set({
        status: next,
        // A new run for every start and resume: the planner of an earlier run stops (campaign-planner.ts).
        ...(action === 'start' || action === 'resume' ? { run: sql`${campaigns.run} + 1` } : {}),
        // The same now() as the count's: the audience's cut (campaign-audience.ts).
        ...(action === 'start' ? { startedAt: sql`now()`, audienceCount } : {}),
        ...(action === 'cancel' ? { finishedAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(campaigns.id, id))
      .returning();
    return row!;
  });
}

/** The attribution window (days) when the caller gives none: CAMPAIGN_REPLY_WINDOW_DAYS's default. */
export const DEFAULT_ATTRIBUTION_DAYS = 7;

/** The outcome figures of a part of a campaign's recipients (one channel, one language, or all). */
export interface CampaignFigures {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  /** Failed sends by the error code the hub or the carrier gave (`unknown` without one). */
  failedByCode: Record<string, number>;
  replied: number;
  optedOut: number;
  /** Recipients who opened the secure link their message carried (campaign-outcomes.ts). */
  linkOpened: number;
  /** Recipients whose attributed reply triage (or staff) read as `confirm`, e.g. to a reminder. */
  confirmed: number;
  /** Recipients who have an appointment booked after the message, within the attribution window. */
  booked: number;
}

/** Sends and deliveries per time bucket, from the messages' sent_at and delivered_at. */
export interface CampaignSeries {
  bucketSeconds: number;
  points: { at: string; sent: number; delivered: number }[];
}

export interface CampaignStats extends CampaignFigures {
  deferred: number;
  skipped: Record<string, number>;
  /**
   * Per channel the messages went on, or will go on for a recipient decided but not yet released
   * (`ready`); skipped recipients have none and are not counted here.
   */
  byChannel: Record<string, CampaignFigures>;
  /** Per recipient's language as the contact record gives it (`unknown` without one), skipped included. */
  byLocale: Record<string, CampaignFigures>;
  series: CampaignSeries;
}

interface FigureRow {
  channel: string | null;
  language: string;
  failed_code: string | null;
  recipients: string;
  sent: string;
  delivered: string;
  failed: string;
  replied: string;
  opted_out: string;
  link_opened: string;
  confirmed: string;
  booked: string;
  deferred: string;
}

const noFigures = (): CampaignFigures => ({
  recipients: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  failedByCode: {},
  replied: 0,
  optedOut: 0,
  linkOpened: 0,
  confirmed: 0,
  booked: 0,
});

function addFigures(into: CampaignFigures, row: FigureRow): void {
  into.recipients += Number(row.recipients);
  into.sent += Number(row.sent);
  into.delivered += Number(row.delivered);
  into.failed += Number(row.failed);
  into.replied += Number(row.replied);
  into.optedOut += Number(row.opted_out);
  into.linkOpened += Number(row.link_opened);
  into.confirmed += Number(row.confirmed);
  into.booked += Number(row.booked);
  if (row.failed_code !== null) {
    into.failedByCode[row.failed_code] = (into.failedByCode[row.failed_code] ?? 0) + Number(row.failed);
  }
}

function part(parts: Record<string, CampaignFigures>, key: string): CampaignFigures {
  parts[key] ??= noFigures();
  return parts[key];
}

/** Buckets of a minute or more, so a campaign's whole run fits in about 120 of them. */
const BUCKETS = [60, 300, 900, 3600, 6 * 3600, 86_400];
export function seriesBucketSeconds(from: Date | null, to: Date): number {
  const span = from ? Math.max(0, to.getTime() - from.getTime()) / 1000 : 0;
  return BUCKETS.find((b) => span / b <= 120) ?? BUCKETS.at(-1)!;
}

/**
 * Counts from the recipients and their messages, computed in SQL in one grouped pass (by channel,
 * language and failure code), then added up for the totals, per channel and per language.
 * `replied`: the recipient wrote to the clinic within the attribution window after the campaign's
 * message (the reply carries the campaign's id, reply-attribution.ts); `optedOut`: an opt-out
 * entered the consent ledger after it; `linkOpened`, `confirmed` and `booked` as campaign-outcomes.ts
 * defines them, `booked` within `windowDays` (CAMPAIGN_REPLY_WINDOW_DAYS) of the message.
 */
export async function campaignStats(
  db: Queryable,
  campaignId: string,
  run: Pick<CampaignRow, 'startedAt' | 'finishedAt'> = { startedAt: null, finishedAt: null },
  windowDays = DEFAULT_ATTRIBUTION_DAYS,
): Promise<CampaignStats> {
  const outcome = recipientOutcomes(windowDays);
  const result = await db.execute(sql`
    select coalesce(m.channel, case when r.status = 'ready' then r.channel end) as channel,
      coalesce(lower(c.language), 'unknown') as language,
      case when m.status in ('failed', 'undelivered') then coalesce(m.error_code, 'unknown') end as failed_code,
      count(*) as recipients,
      count(*) filter (where m.status in ('queued', 'sent', 'delivered', 'read')) as sent,
      count(*) filter (where m.status in ('delivered', 'read')) as delivered,
      count(*) filter (where m.status in ('failed', 'undelivered')) as failed,
      count(*) filter (where (m.status = 'pending' and m.scheduled_for > now())
        or (r.status = 'ready' and r.due_at > now())) as deferred,
      count(*) filter (where ${outcome.replied}) as replied,
      count(*) filter (where m.id is not null and exists (
        select 1 from consent_ledger l where l.contact_id = r.contact_id and l.status = 'opted_out'
          and l.recorded_at > m.created_at)) as opted_out,
      count(*) filter (where ${outcome.linkOpened}) as link_opened,
      count(*) filter (where ${outcome.confirmed}) as confirmed,
      count(*) filter (where ${outcome.booked}) as booked
    from campaign_recipients r join contacts c on c.id = r.contact_id
    left join messages m on m.id = r.message_id
    ${outcome.replies}
    where r.campaign_id = ${campaignId}
    group by 1, 2, 3`);
  const totals = noFigures();
  const byChannel: Record<string, CampaignFigures> = {};
  const byLocale: Record<string, CampaignFigures> = {};
  let deferred = 0;
  for (const row of rowsOf<FigureRow>(result)) {
    addFigures(totals, row);
    deferred += Number(row.deferred);
    if (row.channel !== null) addFigures(part(byChannel, row.channel), row);
    addFigures(part(byLocale, row.language), row);
  }
  const skippedRows = await db
    .select({ reason: campaignRecipients.skipReason, n: sql<string>`count(*)` })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.campaignId, campaignId), eq(campaignRecipients.status, 'skipped')))
    .groupBy(campaignRecipients.skipReason);
  return {
    ...totals,
    deferred,
    skipped: Object.fromEntries(skippedRows.map((r) => [r.reason ?? 'unknown', Number(r.n)])),
    byChannel,
    byLocale,
    series: await campaignSeries(
      db,
      campaignId,
      seriesBucketSeconds(run.startedAt, run.finishedAt ?? new Date()),
    ),
  };
}

/** Sends (sent_at) and deliveries (delivered_at) of the campaign's messages per bucket, oldest first. */
async function campaignSeries(
  db: Queryable,
  campaignId: string,
  bucketSeconds: number,
): Promise<CampaignSeries> {
  const result = await db.execute(sql`
    select to_timestamp(floor(extract(epoch from v.at) / ${bucketSeconds}) * ${bucketSeconds}) as bucket,
      sum(v.sent) as sent, sum(v.delivered) as delivered
    from campaign_recipients r join messages m on m.id = r.message_id
    cross join lateral (values (m.sent_at, 1, 0), (m.delivered_at, 0, 1)) as v(at, sent, delivered)
    where r.campaign_id = ${campaignId} and v.at is not null
    group by 1 order by 1`);
  return {
    bucketSeconds,
    points: rowsOf<{ bucket: string | Date; sent: string; delivered: string }>(result).map((row) => ({
      at: new Date(row.bucket).toISOString(),
      sent: Number(row.sent),
      delivered: Number(row.delivered),
    })),
  };
}

/** The skip reason of recipients decided but not yet released when their campaign was cancelled. */
export const CAMPAIGN_CANCELLED_REASON = 'campaign_cancelled';

/** The skip reason of recipients not yet sent when a campaign's end time passed. */
export const CAMPAIGN_ENDED_REASON = 'campaign_ended';

export const hasEnded = (campaign: { endAt: Date | null }, now = Date.now()) =>
  campaign.endAt !== null && campaign.endAt.getTime() <= now;

/**
 * A campaign past its end time sends nothing more: its recipients still pending or ready, and those whose
 * message has not gone yet (waiting for its turn or for the end of quiet hours), become skipped
 * `campaign_ended`; those messages are failed with the same code and leave the recipient (they were
 * never sent, so no figure counts them as failed). A message already being sent goes on. Safe to run
 * twice or from several processes: it only touches what is still pending.
 */
export async function endCampaignSends(db: Queryable, campaignId: string): Promise<number> {
  const result = await db.execute(sql`
    with unsent as (
      update messages m set status = 'failed', error_code = ${CAMPAIGN_ENDED_REASON}, updated_at = now()
      where m.campaign_id = ${campaignId} and m.status = 'pending'
      returning m.id)
    update campaign_recipients r
    set status = 'skipped', skip_reason = ${CAMPAIGN_ENDED_REASON}, message_id = null, due_at = null,
      decided_at = now()
    where r.campaign_id = ${campaignId}
      and (r.status in ('pending', 'ready') or r.message_id in (select id from unsent))
    returning r.id`);
  return rowsOf(result).length;
}

/**
 * The campaign's messages not yet sent (with `dueWithinMs`, only those due by then, not those deferred
 * further, to the end of quiet hours or a morning hours away): read from messages_campaign_outbox_idx, which holds the pending and sending rows
 * of campaigns only, so the clinic's other waiting messages are never scanned.
 *
 * A campaign's messages are the rows carrying its id (messages.campaign_id), a secure link's content
 * and notice alike: so read here, by endCampaignSends, a cancel, the send worker and the progress.
 * Two other questions have rules of their own: the figures count each recipient's message
 * (campaign_recipients.message_id, one a recipient: the notice of a secure link), and the outbox
 * sweepers split rows by the one that re-enqueues them (outbox-sweeper.ts, on the columns of their
 * partial indexes; src/outbound cannot import from here, which imports it).
 */
export const campaignMessagesToGo = (campaignId: string, options: { dueWithinMs?: number } = {}) => sql`
  select 1 from messages m where m.campaign_id = ${campaignId} and m.status in ('pending', 'sending')
  ${
    options.dueWithinMs !== undefined
      ? sql`and (m.scheduled_for is null or m.scheduled_for <= now() + ${`${options.dueWithinMs} milliseconds`}::interval)`
      : sql``
  }`;

/**
 * True when the campaign has no message left to go. A count, not `not exists`: the planner estimates
 * an existence check from the campaign's share of all messages and of pending ones, and with the
 * campaign's sent messages in the table it guessed a sequential scan would meet a pending one at
 * once, then read every row (131 ms with 100,000 other messages deferred and 20,000 sent); a count
 * must read all matches, which only the partial index holds (0.08 ms there).
 */
export const noMessagesToGo = (campaignId: string) =>
  sql`(select count(*) from (${campaignMessagesToGo(campaignId)}) to_go) = 0`;

/**
 * The campaign's recipients without their message yet: ready (decided, not released) or pending (not
 * decided), each kind read from its own partial index. Ready first, from the end of
 * campaign_recipients_ready_idx, in its order: the release takes them from its front (due first),
 * whose entries are dead rows until a vacuum, and statistics that say "nearly all ready" would
 * otherwise plan a scan of the table that meets the released rows first; while any is left, the one
 * due last answers at once. Pending ones exist before and during the decide phase, when no send runs
 * (the decide phase analyzes the table when it ends).
 */
const recipientsToGo = (campaignId: string) => sql`
  (select 1 from (select 1 from campaign_recipients where campaign_id = ${campaignId} and status = 'ready'
     order by due_at desc, id desc limit 1) ready
   union all
   select 1 from campaign_recipients where campaign_id = ${campaignId} and status = 'pending')`;

/**
 * A running campaign is completed once every recipient is planned or skipped and none of its messages still
 * waits to go. Safe to call at any time and from any process: the condition is in the update.
 *
 * Called after every campaign send, so it must cost little until the campaign's tail: while any
 * recipient is still pending or ready (campaign_recipients_pending_idx and _ready_idx, a lookup of
 * one index entry) the
 * campaign cannot be done and nothing else is read. After that, its messages still going out are
 * found through messages_campaign_outbox_idx (the campaign's pending and sending rows only), not
 * through every recipient of the campaign nor every other deferred message of the clinic.
 */
export async function completeIfDone(db: Queryable, campaignId: string): Promise<boolean> {
  const undecided = await db.execute(sql`${recipientsToGo(campaignId)} limit 1`);
  if (rowsOf(undecided).length > 0) return false;
  const done = await db.execute(sql`
    update campaigns set status = 'completed', finished_at = now(), updated_at = now()
    where id = ${campaignId} and status = 'running' and recipients_inserted_at is not null
      and not exists (${recipientsToGo(campaignId)})
      and ${noMessagesToGo(campaignId)}
    returning id`);
  return rowsOf(done).length > 0;
}

/**
 * A campaign as `GET /campaigns/:id` answers it, and as its live progress event carries it. While its
 * run still inserts its recipients' rows (campaign-audience.ts), `recipients` is the audience the
 * start counted, unless more rows are in already: the manager sees the size she started at once.
 */
export async function campaignDetail(db: Queryable, row: CampaignRow, windowDays = DEFAULT_ATTRIBUTION_DAYS) {
  const stats = await campaignStats(db, row.id, row, windowDays);
  const inserting =
    row.recipientsInsertedAt === null && ['scheduled', 'running', 'paused'].includes(row.status);
  if (inserting && row.audienceCount !== null)
    stats.recipients = Math.max(stats.recipients, row.audienceCount);
  return { ...presentCampaign(row), stats };
}

/** A campaign as the API shows it: no organization or creator ids. */
export function presentCampaign(row: CampaignRow) {
  return {
    id: row.id,
    name: row.name,
    template: row.template,
    audience: row.audience,
    variables: row.variables,
    channelPreference: row.channelPreference,
    scheduleAt: row.scheduleAt,
    endAt: row.endAt,
    sendWindow: row.sendWindow,
    sendRate: row.sendRate,
    status: row.status,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/**
 * The runs of running campaigns with work left for a planner now: recipients' rows not all
 * inserted, a recipient still pending (not decided), or one ready (decided) and due for over a
 * minute, whom the run should have released. Each should have a live job of its run (its own,
 * waiting, delayed or running, or the one it left for a morning: a run waiting for its recipients'
 * morning is looked at once they are overdue); the
 * campaign sweeper ensures one (CampaignPlanQueue.ensure), so a run whose job Redis lost, or whose
 * job failed for good (every attempt, a database down for half an hour say), is taken up again
 * instead of leaving the campaign running forever. One index entry per running campaign at most
 * (campaign_recipients_pending_idx, _ready_idx).
 */
export async function runsWithWorkLeft(db: Queryable): Promise<{ campaignId: string; run: number }[]> {
  const result = await db.execute(sql`
    select c.id, c.run from ${campaigns} c
    where c.status = 'running' and (c.recipients_inserted_at is null
      or exists (select 1 from ${campaignRecipients} r where r.campaign_id = c.id and r.status = 'pending')
      or exists (select 1 from ${campaignRecipients} r
        where r.campaign_id = c.id and r.status = 'ready' and r.due_at < now() - interval '1 minute'))`);
  return rowsOf<{ id: string; run: number }>(result).map((row) => ({ campaignId: row.id, run: row.run }));
}

/** Campaigns in a state whose work may be waiting: a restarted hub resumes their planners. */
export async function campaignsToResume(db: Queryable): Promise<CampaignRow[]> {
  return db
    .select()
    .from(campaigns)
    .where(inArray(campaigns.status, ['running', 'scheduled']));
}
