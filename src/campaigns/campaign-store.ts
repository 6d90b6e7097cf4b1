import { and, eq, inArray, sql } from 'drizzle-orm';
import { type CampaignStatus, campaignRecipients, campaigns } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import type { Database, Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { HttpError } from '../platform/http/http-error';
import { audienceCondition } from './audience-filter';

export type CampaignRow = typeof campaigns.$inferSelect;

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

/**
 * Moves a campaign to its next state under a row lock, so two concurrent starts cannot both pass
 * (the second answers 409). A start fixes the recipients (the audience as it is now, one row per
 * contact) in the same transaction.
 */
export async function transitionCampaign(
  db: Database,
  orgId: string,
  id: string,
  action: CampaignAction,
): Promise<CampaignRow> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, id), eq(campaigns.orgId, orgId)))
      .for('update');
    if (!current) throw new HttpError(404, 'campaign_not_found', 'No such campaign');
    const allowed: readonly CampaignStatus[] = TRANSITIONS[action];
    if (!allowed.includes(current.status)) {
      throw new HttpError(409, 'campaign_state_conflict', `A ${current.status} campaign cannot ${action}`, {
        status: current.status,
      });
    }
    if (action === 'start') {
      if (current.scheduleAt && current.scheduleAt.getTime() < Date.now() - 60_000) {
        throw new HttpError(
          422,
          'schedule_in_past',
          'The campaign is scheduled in the past; edit its schedule',
        );
      }
      await tx.execute(sql`
        insert into ${campaignRecipients} (campaign_id, contact_id)
        select ${current.id}, ${contacts.id} from ${contacts}
        where ${audienceCondition(orgId, current.audience.filter)}
        on conflict do nothing`);
    }
    if (action === 'cancel') {
      // What waits to go (deferred or not yet taken by the send worker) is not sent.
      await tx.execute(sql`
        update messages set status = 'failed', error_code = 'campaign_cancelled', updated_at = now()
        where status = 'pending' and id in (
          select message_id from campaign_recipients where campaign_id = ${current.id} and message_id is not null)`);
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
        ...(action === 'start' ? { startedAt: sql`now()` } : {}),
        ...(action === 'cancel' ? { finishedAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(campaigns.id, id))
      .returning();
    return row!;
  });
}

export interface CampaignStats {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  replied: number;
  optedOut: number;
  deferred: number;
  skipped: Record<string, number>;
}

/**
 * Counts from the recipients and their messages, computed in SQL. `replied`: the recipient wrote to
 * the clinic within the attribution window after the campaign's message (the reply carries the
 * campaign's id, reply-attribution.ts); `optedOut`: an opt-out entered the consent
 * ledger after it.
 */
export async function campaignStats(db: Queryable, campaignId: string): Promise<CampaignStats> {
  const result = await db.execute(sql`
    select count(*) as recipients,
      count(*) filter (where m.status in ('queued', 'sent', 'delivered', 'read')) as sent,
      count(*) filter (where m.status in ('delivered', 'read')) as delivered,
      count(*) filter (where m.status in ('failed', 'undelivered')) as failed,
      count(*) filter (where m.status = 'pending' and m.scheduled_for > now()) as deferred,
      count(*) filter (where exists (
        select 1 from messages i where i.campaign_id = r.campaign_id and i.contact_id = r.contact_id)) as replied,
      count(*) filter (where m.id is not null and exists (
        select 1 from consent_ledger l where l.contact_id = r.contact_id and l.status = 'opted_out'
          and l.recorded_at > m.created_at)) as opted_out
    from campaign_recipients r left join messages m on m.id = r.message_id
    where r.campaign_id = ${campaignId}`);
  const row = rowsOf<{
    recipients: string;
    sent: string;
    delivered: string;
    failed: string;
    replied: string;
    opted_out: string;
    deferred: string;
  }>(result)[0]!;
  const skippedRows = await db
    .select({ reason: campaignRecipients.skipReason, n: sql<string>`count(*)` })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.campaignId, campaignId), eq(campaignRecipients.status, 'skipped')))
    .groupBy(campaignRecipients.skipReason);
  return {
    recipients: Number(row.recipients),
    sent: Number(row.sent),
    delivered: Number(row.delivered),
    failed: Number(row.failed),
    replied: Number(row.replied),
    optedOut: Number(row.opted_out),
    deferred: Number(row.deferred),
    skipped: Object.fromEntries(skippedRows.map((r) => [r.reason ?? 'unknown', Number(r.n)])),
  };
}

/**
 * A running campaign is completed once every recipient is decided and none of its messages still
 * waits to go. Safe to call at any time and from any process: the condition is in the update.
 *
 * Called after every campaign send, so it must cost little until the campaign's tail: while any
 * recipient is still pending (campaign_recipients_pending_idx, a lookup of one index entry) the
 * campaign cannot be done and nothing else is read. Only after the planner has decided everyone
 * does it look for messages still going out, found through the outbox index (messages_outbox_idx:
 * pending and sending rows only), not through every recipient of the campaign.
 */
export async function completeIfDone(db: Queryable, campaignId: string): Promise<boolean> {
  const undecided = await db.execute(sql`
    select 1 from campaign_recipients where campaign_id = ${campaignId} and status = 'pending' limit 1`);
  if (rowsOf(undecided).length > 0) return false;
  const done = await db.execute(sql`
    update campaigns set status = 'completed', finished_at = now(), updated_at = now()
    where id = ${campaignId} and status = 'running'
      and not exists (select 1 from campaign_recipients r where r.campaign_id = ${campaignId} and r.status = 'pending')
      and not exists (
        select 1 from messages m join campaign_recipients r on r.message_id = m.id
        where m.status in ('pending', 'sending') and r.campaign_id = ${campaignId})
    returning id`);
  return rowsOf(done).length > 0;
}

/** Campaigns in a state whose work may be waiting: a restarted hub resumes their planners. */
export async function campaignsToResume(db: Queryable): Promise<CampaignRow[]> {
  return db
    .select()
    .from(campaigns)
    .where(inArray(campaigns.status, ['running', 'scheduled']));
}
