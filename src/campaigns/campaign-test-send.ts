import { resolveContactByIdentity } from '../contacts/contact-directory';
import type { OutboundServiceDeps, PlannedOutbound } from '../outbound/outbound-service';
import { planOutbound } from '../outbound/outbound-service';
import { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
import { HttpError } from '../platform/http/http-error';
import type { VariableType } from '../templates/template-types';
import { recipientVariables } from './campaign-request';
import type { CampaignRow } from './campaign-store';

/** Marks a test send on its message (`automation`): never a recipient, never in the figures. */
export const TEST_SEND_AUTOMATION = 'campaign_test';

/** What a variable the campaign leaves to each recipient shows in a test. */
const SAMPLE: Record<VariableType, string | number> = {
  string: 'Sample',
  date: '2030-01-15',
  datetime: '2030-01-15T10:00:00Z',
  number: 1,
  url: 'https://example.com/sample',
};

/** The address a test goes to: a phone (by SMS) or an email, normalized as contacts' are. */
export function testAddress(raw: string, defaultRegion: string) {
  const email = raw.includes('@') ? normalizeEmail(raw) : null;
  if (email) return { kind: 'email' as const, address: email, channel: 'email' };
  const phone = raw.includes('@') ? null : normalizePhone(raw, defaultRegion);
  if (phone) return { kind: 'phone' as const, address: phone, channel: 'sms' };
  throw new HttpError(422, 'invalid_test_address', 'to is neither a valid phone number nor an email address');
}

/**
 * One message of a campaign to a staff member's own phone or email, before it goes out: the
 * campaign's template and variables, with the ones each patient would fill (their name, an
 * imported column) given sample values, the subject prefixed nowhere but the message marked
 * `campaign_test`. It goes through planOutbound, so the policy decides as for any send (consent,
 * marketing opt-in, quiet hours in the contact's zone) and a refusal answers 422 with its code. It
 * is no campaign recipient and carries no campaign id: no figure counts it.
 */
export async function sendCampaignTest(
  deps: OutboundServiceDeps,
  campaign: CampaignRow,
  to: { kind: 'phone' | 'email'; address: string; channel: string },
  staffId: string,
): Promise<PlannedOutbound> {
  const template = deps.templates.get(campaign.template);
  if (!template) throw new HttpError(422, 'template_not_found', `No template named ${campaign.template}`);
  const contactId = await deps.db.transaction((tx) =>
    resolveContactByIdentity(tx, campaign.orgId, to.kind, to.address),
  );
  const samples = Object.fromEntries(
    Object.entries(template.variables).map(([name, v]) => [name, SAMPLE[v.type]]),
  );
  const variables = {
    ...samples,
    ...recipientVariables(campaign, { displayName: 'Sample Patient', attributes: {} }, deps.clinic.name),
  };
  return planOutbound(
    deps,
    {
      orgId: campaign.orgId,
      contactId,
      initiator: 'automated',
      requestedChannel: to.channel,
      content: { template: campaign.template, variables },
      automation: TEST_SEND_AUTOMATION,
      staffId,
      requestId: `campaign-test-${campaign.id}`,
    },
    { dryRun: false },
  );
}
