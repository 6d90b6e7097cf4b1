/**
 * The four queues triage routes to (intents/*.yaml name them), in triage's order. Staff access
 * reads them here, and triage's intent schema too: the staff folder does not import triage.
 */
export const TRIAGE_QUEUE_NAMES = ['front-desk', 'nurse-triage', 'billing', 'refills'] as const;
