import type { MessageStatus } from '../platform/db/schema';
import { channelLabel } from '../policy/policy-engine';

/** Statuses of a send that will not go by itself: failed at the hub, or reported failed by the carrier. */
export const FAILED_SEND_STATUSES = ['failed', 'undelivered'] as const satisfies readonly MessageStatus[];

/** True for an outbound message that failed for good: staff see why and may send it again. */
export function isFailedSend(message: { direction: string; status: MessageStatus }): boolean {
  return (
    message.direction === 'outbound' && (FAILED_SEND_STATUSES as readonly string[]).includes(message.status)
  );
}

/**
 * Why a send failed, in words a receptionist can act on, by the stable code the channel gave.
 * Twilio's codes are documented at twilio.com/docs/api/errors; the hub's own are set by the send job.
 */
const REASONS: Readonly<Record<string, string>> = {
  send_interrupted:
    'Sending stopped before the provider answered, and it cannot be asked whether the message went out. Check with the patient before sending it again.',
  send_attempts_exhausted:
    'Sending was tried many times without an answer from the provider. It was not sent again.',
  channel_unavailable: 'This channel is not set up on the hub.',
  provider_unreachable: 'The messaging provider could not be reached.',
  provider_answer_lost: 'The connection to the messaging provider dropped before it answered.',
  conversation_reference_missing:
    'The patient has to write on this channel first before the clinic can reply on it.',
  realtime_unavailable: 'The chat server was not running.',
  service_url_not_allowed:
    'The conversation came from a Bot Framework address the hub does not send to (not Microsoft’s, and not listed in BOTFRAMEWORK_SERVICE_URLS).',
  botframework_disabled: 'The Bot Framework channel is turned off on the hub (no MICROSOFT_APP_ID).',
  twilio_21211: 'The phone number is not a valid number.',
  twilio_21408: 'Texting this country is not enabled for the clinic’s Twilio account.',
  twilio_21610:
    'The patient has blocked texts from the clinic’s number (they replied STOP to their carrier).',
  twilio_21612: 'Twilio cannot send from the clinic’s number to this number.',
  twilio_21614: 'The number cannot receive texts (it is not a mobile number).',
  twilio_30003: 'The patient’s phone could not be reached (switched off or out of coverage).',
  twilio_30004: 'The patient’s number blocks messages.',
  twilio_30005: 'The number is unknown to the carrier or no longer exists.',
  twilio_30006: 'The number is a landline or cannot receive texts.',
  twilio_30007: 'The carrier filtered the message as spam.',
  twilio_30008: 'The carrier could not deliver the message, for an unknown reason.',
};

/** Codes whose stored message the send job wrote in words for this very message: shown as stored. */
const WORDED_BY_THE_HUB = new Set(['send_interrupted', 'send_attempts_exhausted']);

/** The reason a send failed, in plain words: from its code when known, else a sentence naming the channel. */
export function describeSendFailure(channel: string, code: string | null, message: string | null): string {
  if (code && message && WORDED_BY_THE_HUB.has(code)) return message;
  if (code && REASONS[code]) return REASONS[code];
  const by = channelLabel(channel);
  if (code?.startsWith('http_5') || code?.startsWith('twilio_5'))
    return `The ${by} provider had a fault and did not take the message.`;
  return message
    ? `The ${by} message could not be sent: ${message}.`
    : `The ${by} message could not be sent (${code ?? 'no reason given'}).`;
}
