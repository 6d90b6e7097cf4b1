/** Queue names are part of the deployed state in Redis: never rename one once released. */
export const QUEUE_NAMES = {
  outboundSend: 'outbound-send',
  inboundTriage: 'inbound-triage',
} as const;
