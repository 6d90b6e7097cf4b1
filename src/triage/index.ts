export type { IntentCatalog, IntentDefinition } from './intent-catalog';
export { defaultIntentsDir, IntentCatalogError, loadIntentCatalog } from './intent-catalog';
export type { QueueName, Urgency } from './intent-schema';
export { QUEUE_NAMES, URGENCIES } from './intent-schema';
export type { LlmClassifierFactory, LlmClassifierPort, LlmVerdict } from './llm-port';
export { LlmClassificationError } from './llm-port';
export type { Triage, TriageContext, TriageOptions, TriageResult } from './triage';
export { createTriage } from './triage';
