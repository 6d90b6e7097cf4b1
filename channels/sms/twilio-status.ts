import type { MessageStatus } from '../../src/channel-port';

/** Twilio's message statuses mapped onto ours; inbound-only statuses map to null (nothing to apply). */
const TWILIO_TO_HUB: Record<string, MessageStatus | null> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  read: 'read',
  receiving: null,
  received: null,
};

export const TWILIO_MESSAGE_STATUSES = Object.keys(TWILIO_TO_HUB) as [string, ...string[]];

export function mapTwilioStatus(status: string): MessageStatus | null {
  return TWILIO_TO_HUB[status] ?? null;
}
