import type { ReplyGuidance, ReplyRemedy } from '../../contracts/inbox-api';
import { channelLabel, type PolicyDecision, type Sensitivity } from '../policy/policy-engine';

export interface ReplyGuidanceInput {
  decision: Pick<PolicyDecision, 'allowed' | 'channel' | 'securedVia' | 'scheduledFor' | 'code'>;
  /** The conversation's reply channel; undefined when the patient never wrote. */
  replyChannel: string | undefined;
  /** The sensitivity staff marked free text with; null for a template (its own sensitivity stands). */
  freeTextSensitivity: Sensitivity | null;
  hasDateOfBirth: boolean;
  /** She may set the date of birth herself (supervisors and admins; see contact-access.ts). */
  mayAddDateOfBirth: boolean;
}

/** "an SMS", "an email": the notice a patient gets, named as a front desk would. */
function aNotice(channel: string): string {
  const label = channelLabel(channel);
  return /^[aeiouAEIOU]|^SMS/.test(label) ? `an ${label}` : `a ${label}`;
}

/**
 * What a staff reply will do, in words a front desk reads at a glance, and the one-click ways out
 * when the policy stops it. Decided from the same policy decision the send uses, so the words can
 * never promise what the send would refuse; the reasons stay beside it for whoever wants the detail.
 */
export function replyGuidance(input: ReplyGuidanceInput): ReplyGuidance {
  const { decision, freeTextSensitivity } = input;
  const via = decision.channel ?? input.replyChannel;
  const where = via ? channelLabel(via) : 'any channel';
  const remedies: ReplyRemedy[] = [];
  const later = decision.scheduledFor ? ' It waits for the sending window (quiet hours).' : '';

  if (decision.allowed && decision.securedVia === 'securelink') {
    // Channel-specific on purpose: when nothing names the channel yet, the notice is worded as the
    // usual one (a text); the words only, the send goes where the policy says.
    if (freeTextSensitivity === 'phi') remedies.push('mark_not_sensitive');
    return {
      summary: `Will go as a secure link: the patient gets ${aNotice(via ?? 'sms')} saying a message is waiting, and opens it with their date of birth.${later}`,
      remedies,
    };
  }
  if (decision.allowed) {
    // Marked not sensitive by staff: offer the way back to the safe form when a link could open.
    if (freeTextSensitivity && freeTextSensitivity !== 'phi' && input.hasDateOfBirth) {
      remedies.push('send_as_secure_link');
    }
    return { summary: `Will go by ${where} as written.${later}`, remedies };
  }

  if (decision.code === 'no_channel_allowed') {
    if (freeTextSensitivity === 'phi') remedies.push('mark_not_sensitive');
    if (!input.hasDateOfBirth) {
      if (input.mayAddDateOfBirth) remedies.unshift('add_date_of_birth');
      const who = input.mayAddDateOfBirth
        ? ' Add it to send this as a secure link.'
        : ' A supervisor can add it, and then it goes as a secure link.';
      const orMark =
        freeTextSensitivity === 'phi'
          ? ' Or, if the reply holds no health details, mark it not sensitive.'
          : '';
      return {
        summary: `Not sent yet: ${where} may not carry health information, and the patient has no date of birth on file to open a secure link.${who}${orMark}`,
        remedies,
      };
    }
    return {
      summary: `Not sent yet: ${where} may not carry health information, and cannot deliver a secure link either.${freeTextSensitivity === 'phi' ? ' If the reply holds no health details, mark it not sensitive.' : ''}`,
      remedies,
    };
  }
  if (decision.code === 'consent_opted_out') {
    return {
      // Channel-specific on purpose: STOP and START are SMS carrier keywords, and this tells staff
      // the patient's own way back on SMS.
      summary: `Not sent: the patient opted out of ${where}${via === 'sms' ? ' (they texted STOP; texting START turns messages back on)' : ''}.`,
      remedies,
    };
  }
  if (decision.code === 'no_address') {
    return { summary: `Not sent: there is no working address on ${where} for this patient.`, remedies };
  }
  if (decision.code === 'marketing_requires_opt_in') {
    return { summary: 'Not sent: marketing needs the patient to opt in first.', remedies };
  }
  return { summary: 'Not sent: the policy does not allow this reply (see the reasons).', remedies };
}
