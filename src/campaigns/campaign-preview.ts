import { and, asc, gt } from 'drizzle-orm';
import type { CampaignPreviewResponse } from '../../contracts/inbox-api';
import { type OutboundServiceDeps, planOutbound, templateBodyOf } from '../outbound/outbound-service';
import { contacts } from '../platform/db/core-schema';
import { audienceCondition } from './audience-filter';
import { campaignSendRequest, capFor, skipReasonOf } from './campaign-planner';
import type { CampaignRow } from './campaign-store';
import { FREQUENCY_CAP_REASON, type FrequencyCap, wouldExceedCap } from './frequency-cap';

/** What starting a campaign would do: the staff API's answer (contracts/inbox-api.ts) is this shape. */
export type CampaignPreview = CampaignPreviewResponse;

const PAGE = 500;
const PARALLEL = 8;

/**
 * What starting the campaign would do, recipient by recipient, decided by planOutbound's dry run:
 * the same request (campaignSendRequest) and the same policy engine as the send, nothing written.
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
  const sampled = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await deps.db
      .select({
        contactId: contacts.id,
        displayName: contacts.displayName,
        attributes: contacts.attributes,
        language: contacts.language,
        timeZone: contacts.timeZone,
      })
      .from(contacts)
      .where(
        and(
          audienceCondition(campaign.orgId, campaign.audience.filter),
          after ? gt(contacts.id, after) : undefined,
        ),
      )
      .orderBy(asc(contacts.id))
      .limit(PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.contactId;
    for (let i = 0; i < page.length; i += PARALLEL) {
      await Promise.all(
        page.slice(i, i + PARALLEL).map(async (recipient) => {
          preview.recipients += 1;
          const request = campaignSendRequest(campaign, recipient, deps.clinic.name);
          let decision: Awaited<ReturnType<typeof planOutbound>>['decision'];
          try {
            ({ decision } = await planOutbound(deps, request, { dryRun: true, audit: false }));
          } catch (error) {
            const reason = skipReasonOf(error);
            if (!reason) throw error;
            preview.skipped[reason] = (preview.skipped[reason] ?? 0) + 1;
            return;
          }
          if (!decision.allowed || !decision.channel) {
            const reason = decision.code ?? 'no_channel_allowed';
            preview.skipped[reason] = (preview.skipped[reason] ?? 0) + 1;
            return;
          }
          // After the policy, as the send checks it: a recipient the policy refuses counts as that.
          if (cap && (await wouldExceedCap(deps.db, recipient.contactId, cap))) {
            preview.skipped[FREQUENCY_CAP_REASON] = (preview.skipped[FREQUENCY_CAP_REASON] ?? 0) + 1;
            return;
          }
          preview.byChannel[decision.channel] = (preview.byChannel[decision.channel] ?? 0) + 1;
          if (decision.securedVia) preview.securedVia += 1;
          if (decision.scheduledFor) preview.deferred += 1;
          const locale = recipient.language ?? deps.clinic.defaultLocale;
          const key = `${decision.channel}:${locale}`;
          if (!decision.securedVia && !sampled.has(key) && 'template' in request.content) {
            sampled.add(key);
            const rendered = deps.templates.render(campaign.template, {
              // The wording the send will use: the channel's own, or the plain-text one.
              channel: templateBodyOf(deps.channels.get(decision.channel) ?? {}),
              locale,
              fallbackLocale: deps.clinic.defaultLocale,
              variables: request.content.variables,
              timeZone: recipient.timeZone ?? deps.clinic.timeZone,
            });
            preview.samples.push({
              channel: decision.channel,
              locale,
              ...(rendered.subject ? { subject: rendered.subject } : {}),
              text: rendered.text,
            });
          }
        }),
      );
    }
  }
  return preview;
}
