import { setImmediate } from 'node:timers/promises';
import { asc } from 'drizzle-orm';
import type { CampaignPreviewResponse } from '../../contracts/inbox-api';
import {
  DECIDE_CHUNK,
  type DecideResult,
  decideSendsForCounting,
  loadPolicyContexts,
  type OutboundServiceDeps,
  sendRefusal,
} from '../outbound/outbound-service';
import { contacts } from '../platform/db/core-schema';
import { audienceCondition } from './audience-filter';
import { campaignSendRequest, capFor, skipReasonOf } from './campaign-planner';
import type { CampaignRow } from './campaign-store';
import { contactsAtCap, FREQUENCY_CAP_REASON, type FrequencyCap } from './frequency-cap';
import { listColumnsOf } from './list-columns';

/** What starting a campaign would do: the staff API's answer (contracts/inbox-api.ts) is this shape. */
export type CampaignPreview = CampaignPreviewResponse;

/** Recipients decided per round: their policy inputs load in a few queries whatever the number. */
const PAGE = 5000;

/**
 * What starting the campaign would do, recipient by recipient, decided as the send decides
 * (decideOutboundBatch: planOutbound's rules, the same request from campaignSendRequest, and the
 * same refusals, sendRefusal), then the frequency cap after the policy as the planner checks it.
 * Nothing is written. A page of recipients costs a handful of queries, not several per recipient.
 */
export async function previewCampaign(
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  frequencyCap?: FrequencyCap,
): Promise<CampaignPreview> {
  const cap = capFor(deps, campaign, frequencyCap);
  const preview: CampaignPreview = {
    recipients: 0,
    byChannel: {},
    securedVia: 0,
    deferred: 0,
    skipped: {},
    samples: [],
  };
  const skip = (reason: string) => {
    preview.skipped[reason] = (preview.skipped[reason] ?? 0) + 1;
  };
  const sampled = new Set<string>();
  // The audience's ids in one query, then pages of them: paging the filter itself (`id > last`)
  // made PostgreSQL filter and sort the whole audience again for every page, O(n²) over a campaign.
  const audience = await deps.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(audienceCondition(campaign.orgId, campaign.audience.filter, deps.channels))
    .orderBy(asc(contacts.id));
  // One moment for the whole preview, as a start decides each batch at one moment; so a case decided
  // on one page stands for the same case on the next.
  const now = new Date();
  const known = new Map<string, DecideResult>();
  for (let start = 0; start < audience.length; start += PAGE) {
    const ids = audience.slice(start, start + PAGE).map((row) => row.id);
    const contexts = await loadPolicyContexts(deps.db, ids, deps.verifiedSessionLifetime);
    const columns = await listColumnsOf(deps.db, campaign.audience.filter, ids);
    // A contact deleted since the ids were read is no longer a recipient.
    const page = ids.flatMap((id) => {
      const contact = contexts.get(id)?.contact;
      const attributes = { ...contact?.attributes, ...columns.get(id) };
      return contact ? [{ contactId: id, displayName: contact.displayName, attributes }] : [];
    });
    const requests = page.map((recipient) => campaignSendRequest(campaign, recipient, deps.clinic.name));
    const decided: DecideResult[] = [];
    for (let first = 0; first < requests.length; first += DECIDE_CHUNK) {
      // Between chunks the event loop serves webhooks and sockets (see decideOutboundBatch).
      if (first > 0) await setImmediate();
      decided.push(
        ...decideSendsForCounting(deps, requests.slice(first, first + DECIDE_CHUNK), contexts, now),
      );
    }
    const allowed = decided.flatMap((one, i) => {
      const refusal = one.ok ? sendRefusal(one.send) : one.error;
      if (!refusal) return [i];
      const reason = skipReasonOf(refusal);
      if (!reason) throw refusal;
      skip(reason);
      return [];
    });
    preview.recipients += page.length;
    // After the policy, as the send checks it: a recipient the policy refuses counts as that.
    const atCap = cap
      ? await contactsAtCap(
          deps.db,
          allowed.map((i) => page[i]!.contactId),
          cap,
          { lock: false },
        )
      : new Set<string>();
    for (const i of allowed) {
      const recipient = page[i]!;
      if (atCap.has(recipient.contactId)) {
        skip(FREQUENCY_CAP_REASON);
        continue;
      }
      const { send } = decided[i] as Extract<DecideResult, { ok: true }>;
      const { decision } = send;
      const channel = decision.channel!;
      preview.byChannel[channel] = (preview.byChannel[channel] ?? 0) + 1;
      if (decision.securedVia) preview.securedVia += 1;
      if (decision.scheduledFor) preview.deferred += 1;
      const { locale } = send;
      const key = `${channel}:${locale}`;
      if (!decision.securedVia && !sampled.has(key) && send.template) {
        sampled.add(key);
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
  }
  return preview;
}
