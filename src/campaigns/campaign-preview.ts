import { sql } from 'drizzle-orm';
import type { CampaignPreviewResponse } from '../../contracts/inbox-api';
import type { OutboundServiceDeps } from '../outbound/outbound-decision';
import type { Queryable } from '../platform/db/database';
import { audienceCondition } from './audience-filter';
import { decideGroups, groupOutcome } from './campaign-decide';
import { capFor } from './campaign-request';
import type { CampaignRow } from './campaign-store';
import type { FrequencyCap } from './frequency-cap';

/** What starting a campaign would do: the staff API's answer (contracts/inbox-api.ts) is this shape. */
export type CampaignPreview = CampaignPreviewResponse;

/**
 * What starting the campaign would do, decided as the send decides (decideSends: planOutbound's
 * rules, the same request from campaignSendRequest, and the same refusals, sendRefusal), then the
 * frequency cap after the policy as the planner checks it. Nothing is written.
 *
 * PostgreSQL groups the audience by everything a decision reads about a recipient and by whether she
 * is at the cap, in one query, and each group is decided once and counts for all its members
 * (decideGroups, which the decide phase of a run uses too). All reads see one snapshot.
 */
export async function previewCampaign(
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  frequencyCap?: FrequencyCap,
): Promise<CampaignPreview> {
  return deps.db.transaction(
    async (tx) => {
      // The grouping query's estimated cost is high enough for PostgreSQL to compile it first (JIT),
      // which cost seconds more than it saved on 100,000 contacts; and its sorts and its hashed groups
      // for 100,000 contacts take tens of MB, which the default work_mem (4 MB) sent to disk.
      await tx.execute(sql`set local jit = off`);
      await tx.execute(sql`set local work_mem = '64MB'`);
      return previewIn(tx, deps, campaign, capFor(deps, campaign, frequencyCap));
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function previewIn(
  db: Queryable,
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  cap: FrequencyCap | undefined,
): Promise<CampaignPreview> {
  const { groups, keys, decided } = await decideGroups(db, deps, campaign, {
    who: audienceCondition(campaign.orgId, campaign.audience.filter, deps.channels),
    cap,
  });
  const preview: CampaignPreview = {
    recipients: 0,
    byChannel: {},
    securedVia: 0,
    deferred: 0,
    skipped: {},
    samples: [],
  };
  const sampled = new Set<string>();
  // In the order of their first contacts: a sample is the audience's first recipient of its kind.
  for (const [i, group] of groups.entries()) {
    const { count } = group;
    preview.recipients += count;
    // The decide phase of a start writes each recipient's outcome from the same groupOutcome.
    const outcome = groupOutcome(group, decided.get(keys[i]!)!);
    if ('skip' in outcome) {
      preview.skipped[outcome.skip] = (preview.skipped[outcome.skip] ?? 0) + count;
      continue;
    }
    const { send } = outcome;
    const { decision, locale } = send;
    const channel = decision.channel!;
    preview.byChannel[channel] = (preview.byChannel[channel] ?? 0) + count;
    if (decision.securedVia) preview.securedVia += count;
    if (decision.scheduledFor) preview.deferred += count;
    const sample = `${channel}:${locale}`;
    if (!decision.securedVia && !sampled.has(sample) && send.template) {
      sampled.add(sample);
      // Rendered by the code that renders the send: the wording the channel's adapter takes.
      const rendered = send.renderFor(channel)!;
      preview.samples.push({
        channel,
        locale,
        ...(rendered.subject ? { subject: rendered.subject } : {}),
        text: rendered.text,
      });
    }
  }
  return preview;
}
