import type { MessageStatus } from '../../src/channel-port';

/**
 * Twilio's call statuses mapped onto our message statuses, for reminder calls. A call answered
 * (in-progress) counts as delivered: someone or a machine heard it; busy and no-answer were never heard.
 */
const CALL_TO_HUB: Record<string, MessageStatus> = {
  queued: 'queued',
  initiated: 'queued',
  ringing: 'sent',
  'in-progress': 'delivered',
  completed: 'delivered',
  busy: 'undelivered',
  'no-answer': 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

export const TWILIO_CALL_STATUSES = Object.keys(CALL_TO_HUB) as [string, ...string[]];

/** The statuses a call ends in: only then can it be called missed. */
export const FINAL_CALL_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);

export function mapCallStatus(status: string): MessageStatus | null {
  return CALL_TO_HUB[status] ?? null;
}
