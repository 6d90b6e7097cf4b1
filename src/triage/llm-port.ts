import type { Urgency } from './intent-schema';

/** What an LLM may say about a message: one of the catalog's intents and an urgency. */
export interface LlmVerdict {
  intent: string;
  urgency: Urgency;
}

/**
 * The port an LLM adapter implements (providers/openai is one). The core never imports an LLM SDK;
 * an adapter sends only the message text and the intent list, never identifiers.
 */
export interface LlmClassifierPort {
  /** Rejects with LlmClassificationError on timeout, HTTP error, malformed JSON or an unknown intent. */
  classify(text: string): Promise<LlmVerdict>;
}

export type LlmClassifierFactory = (
  intents: readonly { name: string; description: string }[],
) => LlmClassifierPort;

export class LlmClassificationError extends Error {
  constructor(
    readonly code: 'LLM_REQUEST_FAILED' | 'LLM_BAD_RESPONSE',
    message: string,
  ) {
    super(message);
    this.name = 'LlmClassificationError';
  }
}
