import { type OutboundRequest, type OutboundServiceDeps, PolicyRefused } from '../outbound/outbound-service';
import { HttpError } from '../platform/http/http-error';
import { morningSendingWindow } from '../policy/quiet-hours';
import { SecureLinkRefused } from '../securelinks/secure-link-store';
import { TemplateError } from '../templates';
import type { CampaignRow } from './campaign-store';
import type { FrequencyCap } from './frequency-cap';

// What a campaign asks of the send pipeline for one recipient: the same for the preview, the decide
// phase at the start of a run and the release that writes her message.

/** Whether the cap holds back this campaign's messages: it counts and limits marketing only. */
export function capFor(
  deps: { templates: OutboundServiceDeps['templates'] },
  campaign: Pick<CampaignRow, 'template'>,
  cap: FrequencyCap | undefined,
): FrequencyCap | undefined {
  if (!cap || cap.messages <= 0) return undefined;
  return deps.templates.get(campaign.template)?.purpose === 'marketing' ? cap : undefined;
}

/** The variable a recipient's display name fills (an imported attribute of that name overrides it). */
export const NAME_VARIABLE = 'name';

/** The variables of one recipient: the campaign's, then the contact's name and imported attributes. */
export function recipientVariables(
  campaign: Pick<CampaignRow, 'variables'>,
  contact: { displayName: string | null; attributes: Record<string, string> },
  clinicName: string,
): Record<string, unknown> {
  return {
    clinicName,
    ...campaign.variables,
    ...(contact.displayName ? { [NAME_VARIABLE]: contact.displayName } : {}),
    ...contact.attributes,
  };
}

/** What planOutbound is asked for one recipient: the same for the preview's dry run and the send. */
export function campaignSendRequest(
  campaign: CampaignRow,
  recipient: { contactId: string; displayName: string | null; attributes: Record<string, string> },
  clinicName: string,
): OutboundRequest {
  return {
    orgId: campaign.orgId,
    contactId: recipient.contactId,
    initiator: 'automated',
    requestedChannel: campaign.channelPreference ?? undefined,
    content: { template: campaign.template, variables: recipientVariables(campaign, recipient, clinicName) },
    // The policy defers each recipient to her own morning as it defers for quiet hours (one gate).
    ...(campaign.sendWindow === 'morning' ? { sendingWindow: morningSendingWindow } : {}),
    automation: 'campaign',
    campaignId: campaign.id,
    requestId: `campaign-${campaign.id}`,
  };
}

/** The code a recipient is skipped with when planOutbound refuses it. */
export function skipReasonOf(error: unknown): string | undefined {
  if (error instanceof PolicyRefused) return error.code;
  if (error instanceof TemplateError) return error.code;
  if (error instanceof SecureLinkRefused) return error.code;
  if (error instanceof HttpError && error.status === 422) return error.code;
  return undefined;
}
