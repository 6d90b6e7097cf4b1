import type { IntentDefinition } from './intent-catalog';
import type { LlmVerdict } from './llm-port';
import type { TriageContext, TriageResult } from './triage';

/** What the hub gives a triage thread when it starts it. */
export interface TriageThreadData {
  intentsDir?: string;
  /** Whether the hub has an LLM layer; the thread then asks the hub for each LLM verdict. */
  llm: boolean;
}

/** Hub -> thread. */
export type ToTriageThread =
  | { type: 'classify'; id: number; text: string; context?: TriageContext }
  | { type: 'llm-verdict'; callId: number; verdict: LlmVerdict }
  | { type: 'llm-failed'; callId: number; code?: 'LLM_REQUEST_FAILED' | 'LLM_BAD_RESPONSE'; message: string };

/** Thread -> hub. */
export type FromTriageThread =
  | { type: 'ready'; intents: IntentDefinition[]; version: string }
  | { type: 'result'; id: number; result: TriageResult }
  | { type: 'failed'; id: number; message: string }
  // The LLM client (its key, its sockets) lives in the hub; the thread asks it for a verdict.
  | { type: 'llm'; callId: number; text: string };
