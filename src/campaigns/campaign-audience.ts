import { performance } from 'node:perf_hooks';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { campaignRecipients, campaigns } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import type { Database, Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { type AudienceChannels, audienceCondition } from './audience-filter';
import { PagePacer } from './page-pacer';

/** A campaign as stored (campaign-store.ts names it too; imported from there it would be a cycle). */
type CampaignRow = typeof campaigns.$inferSelect;

/**
 * Who a campaign reaches: the contacts its filter matches that existed when it was started. The
 * start only counts them (audienceAtStart); its run inserts their rows in campaign_recipients, page
 * by page (insertRecipients). What a clinic manager expects from "send to everyone over 65 tagged
 * flu": the patients on file when she pressed Start, not those an import adds a second later
 * (contacts created after `started_at` are left out, the same cut for every page and every retry).
 * A contact still matches or not on her fields as they are when her page is inserted, seconds after
 * the start; whether she may be reached (consent, STOP) is decided later anyway, at the decide phase
 * and again at her release.
 */
export const audienceAt = (
  campaign: Pick<CampaignRow, 'orgId' | 'audience'>,
  at: Date | 'now',
  channels: AudienceChannels,
) =>
  and(
    audienceCondition(campaign.orgId, campaign.audience.filter, channels),
    at === 'now'
      ? sql`${contacts.createdAt} <= now()`
      : sql`${contacts.createdAt} <= ${at.toISOString()}::timestamptz`,
  )!;

/** How many contacts a start would reach now: refused at once when none (422 `audience_empty`). */
export async function audienceAtStart(
  tx: Queryable,
  campaign: Pick<CampaignRow, 'orgId' | 'audience'>,
  channels: AudienceChannels,
): Promise<number> {
  const [row] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(contacts)
    .where(audienceAt(campaign, 'now', channels));
  return Number(row?.n ?? 0);
}

/**
 * Whether anyone in the audience has ever opted in to marketing (or to all messages) on some channel:
 * without that, the policy refuses every recipient of a marketing template (an opt-in on the
 * channel is what marketing needs, policy-engine.ts), so the start refuses at once. A necessary
 * condition only, one semi-join on the consent ledger: an audience whose opt-ins were since
 * withdrawn starts, and its recipients are skipped as the preview shows.
 */
export async function anyMarketingOptIn(
  tx: Queryable,
  campaign: Pick<CampaignRow, 'orgId' | 'audience'>,
  channels: AudienceChannels,
): Promise<boolean> {
  const rows = await tx.execute(sql`
    select 1 from ${contacts} where ${audienceAt(campaign, 'now', channels)} and exists (
      select 1 from consent_ledger l where l.contact_id = ${contacts.id}
        and l.purpose in ('marketing', 'all') and l.status = 'opted_in')
    limit 1`);
  return rowsOf(rows).length > 0;
}

/** Recipients' rows inserted per transaction: sized by their time (PagePacer), between these. */
const INSERT_PAGE = { first: 4000, min: 1000, max: 10_000 };

export interface InsertRecipientsResult {
  /** Rows this call inserted (a retry inserts only those a killed run had not). */
  inserted: number;
  /** The campaign left its run (paused, cancelled, started again): the rest waits for the next run. */
  stopped: boolean;
}

/**
 * Inserts the campaign's recipients, one row per contact of its audience (audienceAt, as of its
 * start), in keyset pages of a few thousand contacts by id, each in a short transaction with a short
 * pause after it, so the webhooks beside it keep their share of the machine (the start used to
 * insert 100,000 rows in its own request: 2.7 s during which their p99 went to 120–160 ms).
 *
 * Idempotent: a page inserts with `on conflict do nothing` on (campaign, contact), and pages go in
 * contact id order, each committed whole, so the campaign's highest contact id so far is where the
 * next page begins: a run killed midway and retried (or two runs at once) inserts the rest, never
 * a row twice. Each page is written under a lock on the campaign (no-key update, as a decide page
 * takes it: two inserters of one campaign take turns, and a webhook's foreign-key check does not
 * wait) while its run (`run`) is the current one and it is running or scheduled: a pause or cancel
 * waits for the page, and nothing is inserted after it. The last page marks the campaign `recipients_inserted_at`; until then it cannot
 * complete (completeIfDone) and its figures show the start's count (campaignDetail). Then ANALYZE,
 * best effort (analyzeRecipients).
 */
export async function insertRecipients(
  db: Database,
  campaign: CampaignRow,
  channels: AudienceChannels,
  options: { logger: Pick<Logger, 'warn'>; signal?: AbortSignal },
): Promise<InsertRecipientsResult> {
  const result: InsertRecipientsResult = { inserted: 0, stopped: false };
  if (campaign.recipientsInsertedAt) return result;
  if (!campaign.startedAt)
    throw new Error('campaign recipients: a campaign that never started has no audience');
  const cut = audienceAt(campaign, campaign.startedAt, channels);
  // Where a run killed midway left off: the unique (campaign, contact) index's last entry.
  const [last] = await db
    .select({ contactId: campaignRecipients.contactId })
    .from(campaignRecipients)
    .where(eq(campaignRecipients.campaignId, campaign.id))
    .orderBy(desc(campaignRecipients.contactId))
    .limit(1);
  let after = last?.contactId ?? null;
  const pacer = new PagePacer({ ...INSERT_PAGE, targetMs: 60, pauseShare: 0.5, minPauseMs: 15 });
  for (;;) {
    if (options.signal?.aborted) throw new Error('campaign recipients: the hub is closing');
    const size = pacer.pageSize;
    const started = performance.now();
    const page = await db.transaction(async (tx) => {
      const [current] = await tx
        .select({ status: campaigns.status, run: campaigns.run })
        .from(campaigns)
        .where(eq(campaigns.id, campaign.id))
        .for('no key update');
      if (current?.run !== campaign.run || (current.status !== 'running' && current.status !== 'scheduled')) {
        return undefined;
      }
      const rows = rowsOf<{ n: string; last: string | null; inserted: string }>(
        await tx.execute(sql`
          with page as (
            select ${contacts.id} as id from ${contacts}
            where ${cut} ${after === null ? sql`` : sql`and ${contacts.id} > ${after}::uuid`}
            order by ${contacts.id} limit ${size}),
          inserted as (
            insert into ${campaignRecipients} (campaign_id, contact_id)
            select ${campaign.id}, id from page
            on conflict (campaign_id, contact_id) do nothing
            returning 1)
          select (select count(*) from page) as n,
            (select id::text from page order by id desc limit 1) as last,
            (select count(*) from inserted) as inserted`),
      );
      const { n, last, inserted } = rows[0]!;
      if (Number(n) < size) {
        await tx
          .update(campaigns)
          .set({ recipientsInsertedAt: sql`now()` })
          .where(eq(campaigns.id, campaign.id));
      }
      return { n: Number(n), last, inserted: Number(inserted) };
    });
    if (!page) return { ...result, stopped: true };
    result.inserted += page.inserted;
    if (page.n < size) break;
    after = page.last;
    await pacer.after(page.n, performance.now() - started);
  }
  await analyzeRecipients(db, options.logger, campaign.id);
  return result;
}

/**
 * Fresh statistics for campaign_recipients once a run has inserted a campaign's rows (after the
 * last page's commit, so it samples them). Autovacuum would only look a minute later: meanwhile
 * PostgreSQL took 100,000 new recipients for 244, and the figures query planned on that took 3.5 s.
 * ANALYZE samples a fixed 30,000 rows whatever the table's size; it is best effort: a failure is
 * logged (the campaign's id and the error, no patient data) and the run goes on.
 */
export async function analyzeRecipients(
  db: Queryable,
  logger: Pick<Logger, 'warn'>,
  campaignId: string,
): Promise<void> {
  await db.execute(sql`analyze ${campaignRecipients}`).catch((err: unknown) => {
    logger.warn(
      { err, campaignId },
      'campaign_recipients not analyzed after its audience was inserted; autovacuum will',
    );
  });
}
