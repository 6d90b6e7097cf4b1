import { setImmediate } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { CampaignPreviewResponse } from '../../contracts/inbox-api';
import {
  type DecideResult,
  decideSends,
  decisionKey,
  decisionKeyOf,
  loadPolicyContexts,
  type OutboundServiceDeps,
  sendRefusal,
} from '../outbound/outbound-decision';
import { DECIDE_CHUNK } from '../outbound/outbound-service';
import { groupByPolicyInputs, type PolicyInputGroup } from '../outbound/policy-input-groups';
import type { Queryable } from '../platform/db/database';
import { audienceCondition } from './audience-filter';
import { campaignSendRequest, capFor, NAME_VARIABLE, skipReasonOf } from './campaign-planner';
import type { CampaignRow } from './campaign-store';
import { contactsAtCapQuery, FREQUENCY_CAP_REASON, type FrequencyCap } from './frequency-cap';
import { listColumnsOf, recipientAttributes } from './list-columns';

/** What starting a campaign would do: the staff API's answer (contracts/inbox-api.ts) is this shape. */
export type CampaignPreview = CampaignPreviewResponse;

/** First contacts whose policy inputs load per query (a page of them, as a start plans in batches). */
const PAGE = 5000;

/**
 * What starting the campaign would do, decided as the send decides (decideSends: planOutbound's
 * rules, the same request from campaignSendRequest, and the same refusals, sendRefusal), then the
 * frequency cap after the policy as the planner checks it. Nothing is written.
 *
 * PostgreSQL groups the audience by everything a decision reads about a recipient (her policy inputs
 * and the variables her request carries: groupByPolicyInputs) and by whether she is at the cap, in
 * one query. Each group is decided once, on its first contact loaded as a send loads her
 * (loadPolicyContexts), and counts for all its members. So equal outcomes follow from equal inputs:
 * the group's key is decisionKey's, computed from the group's inputs, and the first contact's key
 * from her own loaded context must be that same key, or the preview fails rather than guess.
 * All reads see one snapshot, as a start decides each batch at one moment.
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
  const declared = Object.keys(deps.templates.get(campaign.template)?.variables ?? {});
  const groups = await groupByPolicyInputs(db, {
    contacts: audienceCondition(campaign.orgId, campaign.audience.filter, deps.channels),
    lifetime: deps.verifiedSessionLifetime,
    attributes: declared,
    attributeSource: recipientAttributes(campaign.audience.filter),
    displayName: declared.includes(NAME_VARIABLE),
    ...(cap ? { flag: (ids) => contactsAtCapQuery(ids, cap) } : {}),
  });
  // Groups that differ only in what the decision does not read (the cap) share one decision.
  const keyOf = (group: PolicyInputGroup) => {
    const request = campaignSendRequest(
      campaign,
      { contactId: group.firstContactId, displayName: group.displayName, attributes: group.attributes },
      deps.clinic.name,
    );
    return decisionKeyOf(deps, request, group.inputs)!;
  };
  const keys = groups.map(keyOf);
  const first = new Map<string, string>();
  for (const [i, key] of keys.entries()) if (!first.has(key)) first.set(key, groups[i]!.firstContactId);
  const decided = await decideFirstContacts(db, deps, campaign, first);

  const preview: CampaignPreview = {
    recipients: 0,
    byChannel: {},
    securedVia: 0,
    deferred: 0,
    skipped: {},
    samples: [],
  };
  const skip = (reason: string, count: number) => {
    preview.skipped[reason] = (preview.skipped[reason] ?? 0) + count;
  };
  const sampled = new Set<string>();
  // In the order of their first contacts: a sample is the audience's first recipient of its kind.
  for (const [i, group] of groups.entries()) {
    const { count } = group;
    preview.recipients += count;
    const one = decided.get(keys[i]!)!;
    const refusal = one.ok ? sendRefusal(one.send) : one.error;
    if (refusal) {
      const reason = skipReasonOf(refusal);
      if (!reason) throw refusal;
      skip(reason, count);
      continue;
    }
    // After the policy, as the send checks it: a recipient the policy refuses counts as that.
    if (group.flagged) {
      skip(FREQUENCY_CAP_REASON, count);
      continue;
    }
    const { send } = one as Extract<DecideResult, { ok: true }>;
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

/**
 * Each key's decision, made for the first contact of its groups as a start makes it: her context
 * loaded by loadPolicyContexts (a page of first contacts per query) and her own request.
 */
async function decideFirstContacts(
  db: Queryable,
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  first: Map<string, string>,
): Promise<Map<string, DecideResult>> {
  const decided = new Map<string, DecideResult>();
  const now = new Date();
  const cases = [...first.entries()];
  for (let start = 0; start < cases.length; start += PAGE) {
    const page = cases.slice(start, start + PAGE);
    const ids = page.map(([, id]) => id);
    const contexts = await loadPolicyContexts(db, ids, deps.verifiedSessionLifetime);
    // A static list's own columns first, as the planner reads them (recipientAttributes).
    const columns = await listColumnsOf(db, campaign.audience.filter, ids);
    for (let from = 0; from < page.length; from += DECIDE_CHUNK) {
      // Between chunks the event loop serves webhooks and sockets (see decideOutboundBatch).
      if (from > 0) await setImmediate();
      for (const [key, contactId] of page.slice(from, from + DECIDE_CHUNK)) {
        const context = contexts.get(contactId);
        const request = campaignSendRequest(
          campaign,
          {
            contactId,
            displayName: context?.contact.displayName ?? null,
            attributes: { ...context?.contact.attributes, ...columns.get(contactId) },
          },
          deps.clinic.name,
        );
        // Read in the same snapshot, her inputs are her group's: anything else is a fault of the grouping.
        if (decisionKey(deps, request, context) !== key) {
          throw new Error(
            'campaign preview: a group differs from its first contact in what the policy reads',
          );
        }
        decided.set(key, decideSends(deps, [request], contexts, now)[0]!);
      }
    }
  }
  return decided;
}
