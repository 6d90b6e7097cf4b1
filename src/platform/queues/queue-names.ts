/**
 * The BullMQ job queues (not the staff queues a conversation is routed to: those are triage's QUEUE_NAMES).
 * Their names are part of the deployed state in Redis: never rename one once released.
 */
export const JOB_QUEUE_NAMES = {
  outboundSend: 'outbound-send',
  inboundTriage: 'inbound-triage',
  /** Campaign sends, apart from patient conversations' (src/campaigns/campaign-send-worker.ts). */
  campaignSend: 'campaign-send',
  /** One job per campaign run, planning its recipients (src/campaigns/campaign-planner.ts). */
  campaignPlan: 'campaign-plan',
} as const;
