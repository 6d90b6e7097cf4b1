import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import { type SQL, sql } from 'drizzle-orm';
import {
  type DecidedSend,
  type DecideResult,
  decideSends,
  decisionKey,
  decisionKeyOf,
  loadPolicyContexts,
  type OutboundServiceDeps,
  sendRefusal,
} from '../outbound/outbound-decision';
import { DECIDE_CHUNK, refusalAudits } from '../outbound/outbound-service';
import { groupByPolicyInputs, type PolicyInputGroup } from '../outbound/policy-input-groups';
import { writeAudits } from '../platform/audit/audit-log';
import { campaignRecipients } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import type { Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { analyzeRecipients } from './campaign-audience';
import { campaignSendRequest, capFor, NAME_VARIABLE, skipReasonOf } from './campaign-request';
import { type CampaignRow, runIsCurrent } from './campaign-store';
import { contactsAtCapQuery, FREQUENCY_CAP_REASON, type FrequencyCap } from './frequency-cap';
import { listColumnsOf, recipientAttributes } from './list-columns';
import { PagePacer } from './page-pacer';

/** First contacts whose policy inputs load per query (a page of them, as a release plans in batches). */
const PAGE = 5000;

/**
 * How the decide phase pages its writes (PagePacer): each page sized to take about 60 ms of
 * PostgreSQL (about 2,000 recipients on a quiet 2-core machine), then a pause of a third of its
 * time. Pages of 10,000 with a 40 ms pause took a few hundred ms each, and the webhooks whose writes
 * waited behind one had a p99 of 116–143 ms in those seconds.
 */
export const DECIDE_WRITE_PAGES = {
  first: 2000,
  min: 500,
  max: 10_000,
  targetMs: 60,
  pauseShare: 1 / 3,
  minPauseMs: 10,
};

/** Contacts grouped by what their decision reads, each distinct case decided once. */
export interface DecidedGroups {
  groups: PolicyInputGroup[];
  /** Each group's decisionKey (groups that differ only in the cap flag share one). */
  keys: string[];
  decided: Map<string, DecideResult>;
}

/**
 * The campaign's recipients among `who` (a condition on `contacts`) grouped by everything a send's
 * decision reads about a recipient (her policy inputs and the variables her request carries:
 * groupByPolicyInputs) and by whether she is at the cap, in one query; each group decided once, on its
 * first contact loaded as a send loads her (loadPolicyContexts), through the send's own rules
 * (decideSends). Equal outcomes follow from equal inputs: the group's key is decisionKey's, computed
 * from the group's inputs, and the first contact's key from her own loaded context must be that same
 * key, or this fails rather than guess. The preview counts with it; the decide phase at the start of
 * a run writes each recipient's outcome from it (`members`: each group lists its contacts).
 */
export async function decideGroups(
  db: Queryable,
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  options: { who: SQL; cap: FrequencyCap | undefined; members?: boolean },
): Promise<DecidedGroups> {
  const declared = Object.keys(deps.templates.get(campaign.template)?.variables ?? {});
  const { cap } = options;
  const groups = await groupByPolicyInputs(db, {
    contacts: options.who,
    lifetime: deps.verifiedSessionLifetime,
    attributes: declared,
    attributeSource: recipientAttributes(campaign.audience.filter),
    displayName: declared.includes(NAME_VARIABLE),
    ...(cap ? { flag: (ids) => contactsAtCapQuery(ids, cap) } : {}),
    ...(options.members ? { members: true } : {}),
  });
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
  return { groups, keys, decided };
}

/** What a group's recipients get: skipped with a reason, or a send on a channel, maybe deferred. */
export type GroupOutcome =
  | {
      skip: string /** A policy refusal, whose audit row each recipient gets as a send would. */;
      refused?: DecidedSend;
    }
  | { send: DecidedSend };

/**
 * A group's outcome from its decision, as the release writes it: the policy's refusal or a
 * rendering error first (a template variable missing: `template_variable_missing`), then the cap.
 * An error that is no skip (anything but a refusal) is thrown.
 */
export function groupOutcome(group: PolicyInputGroup, one: DecideResult): GroupOutcome {
  const refusal = one.ok ? sendRefusal(one.send) : one.error;
  if (refusal) {
    const reason = skipReasonOf(refusal);
    if (!reason) throw refusal;
    // Only a refusal of the policy itself writes its audit row (writeOutboundBatch), not a missing address.
    return one.ok && !one.send.decision.allowed ? { skip: reason, refused: one.send } : { skip: reason };
  }
  // After the policy, as the release checks it: a recipient the policy refuses counts as that.
  if (group.flagged) return { skip: FREQUENCY_CAP_REASON };
  return { send: (one as Extract<DecideResult, { ok: true }>).send };
}

/**
 * Each key's decision, made for the first contact of its groups as a release makes it: her context
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
            'campaign decision: a group differs from its first contact in what the policy reads',
          );
        }
        decided.set(key, decideSends(deps, [request], contexts, now)[0]!);
      }
    }
  }
  return decided;
}

/** What a decide phase wrote. */
export interface DecidePhaseResult {
  /** Recipients now `ready`, and of them those due later (the end of quiet hours, their morning). */
  ready: number;
  deferred: number;
  skipped: number;
  /** The campaign left `running` or a newer run began: the pages not yet written were not. */
  stopped: boolean;
  /** Distinct cases decided (groups of recipients alike in what the decision reads). */
  groups: number;
  /** Milliseconds spent grouping and deciding, then writing the outcomes. */
  decideMs: number;
  writeMs: number;
}

/**
 * The decide phase of a campaign run: every recipient still `pending` is decided set-wise
 * (decideGroups: one decision per distinct case, from one grouping query over the recipients) and
 * her outcome written at once, in short pages paced by their time (DECIDE_WRITE_PAGES): `skipped` with
 * its reason (the policy's refusal, a missing template variable, the cap), or `ready` with the
 * channel the policy chose and the time she is due (now, or the end of quiet hours or her morning in
 * her zone). The release (campaign-planner.ts) then writes the messages of the ready ones due within
 * its horizon, deciding each again at that moment: a STOP or a consent change meanwhile wins there.
 * Only `pending` rows are written, so a second run or another process deciding the same campaign
 * writes nothing twice. Each page is written under a share lock on the campaign, which a pause or
 * cancel takes for update: nothing is decided after either commits.
 */
export async function decideCampaignRecipients(
  deps: { outbound: OutboundServiceDeps; frequencyCap?: FrequencyCap },
  campaign: CampaignRow,
): Promise<DecidePhaseResult> {
  const { outbound } = deps;
  const result: DecidePhaseResult = {
    ready: 0,
    deferred: 0,
    skipped: 0,
    stopped: false,
    groups: 0,
    decideMs: 0,
    writeMs: 0,
  };
  const started = performance.now();
  // A run taken up again (a resume, a restart, her morning's job) usually finds nothing pending: one
  // index entry says so (campaign_recipients_pending_idx), without the grouping's snapshot.
  const anyPending = await outbound.db.execute(sql`
    select 1 from ${campaignRecipients}
    where ${campaignRecipients.campaignId} = ${campaign.id} and ${campaignRecipients.status} = 'pending' limit 1`);
  if (rowsOf(anyPending).length === 0) return result;
  const cap = capFor(outbound, campaign, deps.frequencyCap);
  const who = sql`${contacts.orgId} = ${campaign.orgId} and ${contacts.id} in (
    select ${campaignRecipients.contactId} from ${campaignRecipients}
    where ${campaignRecipients.campaignId} = ${campaign.id} and ${campaignRecipients.status} = 'pending')`;
  // One snapshot for the grouping and the first contacts' loads, as the preview reads them.
  const { groups, keys, decided } = await outbound.db.transaction(
    async (tx) => {
      // As for the preview (campaign-preview.ts): JIT cost more than it saved, and the sorts and hashed
      // groups of 100,000 recipients need more than the default work_mem.
      await tx.execute(sql`set local jit = off`);
      await tx.execute(sql`set local work_mem = '64MB'`);
      return decideGroups(tx, outbound, campaign, { who, cap, members: true });
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  result.groups = decided.size;
  result.decideMs = performance.now() - started;
  if (groups.length === 0) return result;
  const writing = performance.now();

  // One entry per recipient, the outcome her group's, group after group. Not sorted: sorting 100,000
  // ids held the hub's event loop for ~250 ms (webhooks waited behind it). Two deciders of the same
  // campaign cannot deadlock on row order, as each page locks the campaign row first (below).
  const outcomes = groups.map((group, i) => groupOutcome(group, decided.get(keys[i]!)!));
  const contactIds: string[] = [];
  const outcomeOf: number[] = [];
  for (const [i, group] of groups.entries()) {
    for (const id of group.contactIds ?? []) {
      contactIds.push(id);
      outcomeOf.push(i);
    }
  }
  const pacer = new PagePacer(DECIDE_WRITE_PAGES);
  for (let start = 0; start < contactIds.length; ) {
    // Short pages with a pause after each: every page is PostgreSQL writing on a machine whose other
    // core answers patients' webhooks; the phase stays well above 10,000 recipients/s.
    const pageStarted = performance.now();
    const size = pacer.pageSize;
    const ids = contactIds.slice(start, start + size);
    const of = outcomeOf.slice(start, start + size).map((i) => outcomes[i]!);
    start += ids.length;
    const written = await outbound.db.transaction(async (tx) => {
      // The campaign row for no-key update, not share: pages of two deciders (a restart beside a run
      // still writing) and a release of the same campaign take turns, whatever their rows' order.
      // A webhook's foreign-key check (key share) does not wait on it; a pause or cancel does.
      if (!(await runIsCurrent(tx, campaign, 'no key update'))) return undefined;
      const column = <T>(pick: (o: GroupOutcome) => T) => sql.param(of.map(pick));
      // By the (campaign, contact) key, each row only while still pending.
      const updated = await tx.execute(sql`
        update ${campaignRecipients} r
        set status = v.status, skip_reason = v.reason, channel = v.channel,
          due_at = case when v.status = 'ready' then coalesce(v.due_at, now()) end, decided_at = now()
        from unnest(${sql.param(ids)}::uuid[],
          ${column((o) => ('skip' in o ? 'skipped' : 'ready'))}::text[],
          ${column((o) => ('skip' in o ? o.skip : null))}::text[],
          ${column((o) => ('send' in o ? o.send.decision.channel! : null))}::text[],
          ${column((o) => ('send' in o ? (o.send.decision.scheduledFor?.toISOString() ?? null) : null))}::timestamptz[])
          as v(contact_id, status, reason, channel, due_at)
        where r.campaign_id = ${campaign.id} and r.contact_id = v.contact_id and r.status = 'pending'
        returning r.contact_id, r.status, r.due_at > now() as deferred`);
      const rows = rowsOf<{ contact_id: string; status: string; deferred: boolean | null }>(updated);
      // A refused recipient's audit row, as the release would have written it.
      const index = new Map(ids.map((id, k) => [id, k]));
      const refused = new Map<DecidedSend, string[]>();
      for (const row of rows) {
        const outcome = of[index.get(row.contact_id)!]!;
        if ('skip' in outcome && outcome.refused) {
          const list = refused.get(outcome.refused) ?? [];
          list.push(row.contact_id);
          refused.set(outcome.refused, list);
        }
      }
      await writeAudits(
        tx,
        [...refused.entries()].flatMap(([send, ids]) => refusalAudits(send, ids)),
      );
      return rows;
    });
    if (!written) {
      result.stopped = true;
      break;
    }
    for (const row of written) {
      if (row.status === 'ready') {
        result.ready += 1;
        if (row.deferred) result.deferred += 1;
      } else result.skipped += 1;
    }
    if (start < contactIds.length) await pacer.after(ids.length, performance.now() - pageStarted);
  }
  result.writeMs = performance.now() - writing;
  // The statistics taken after the insert say every recipient is pending; now nearly none is. Planned
  // on those, the check after every send (completeIfDone: is anyone still pending?) read the whole
  // table for each send, 90 ms of a database core each, all through the sending (bench:campaign-load).
  if (!result.stopped) await analyzeRecipients(outbound.db, outbound.logger, campaign.id);
  return result;
}
