import OpenAI from 'openai';
import { z } from 'zod';
import { URGENCIES } from '../../src/triage/intent-schema';
import {
  LlmClassificationError,
  type LlmClassifierFactory,
  type LlmClassifierPort,
  type LlmVerdict,
} from '../../src/triage/llm-port';

export interface LlmOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint. */
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
}

const DEFAULT_MODEL = 'gpt-4o-mini';
const DEFAULT_TIMEOUT_MS = 4000;
// The LLM only sees the message; a long paste adds cost and no signal.
const MAX_LLM_CHARS = 1000;

/**
 * Second opinion for messages the local classifier is unsure about, through the `openai` SDK (any
 * OpenAI-compatible base URL). This is the only file that talks to the LLM; it sends the message text and the intent list (name + description), never identifiers.
 */
export class OpenAiTriageClassifier implements LlmClassifierPort {
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly timeoutMs: number;
  private readonly systemPrompt: string;
  private readonly verdictSchema: z.ZodType<LlmVerdict>;
  private readonly jsonSchema: Record<string, unknown>;

  constructor(options: LlmOptions, intents: readonly { name: string; description: string }[]) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // A retry would double the worst-case latency; the local result is always there to fall back on.
      maxRetries: 0,
    });
    this.model = options.model ?? DEFAULT_MODEL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const names = intents.map((i) => i.name);
    this.systemPrompt = [
      'You classify one SMS reply that a patient sent to their clinic (English or Spanish).',
      'Choose the single best intent and an urgency. Intents:',
      ...intents.map((i) => `- ${i.name}: ${i.description}`),
      `Urgencies, lowest to highest: ${URGENCIES.join(', ')}.`,
      'Answer with JSON only.',
    ].join('\n');
    this.verdictSchema = z.object({
      intent: z.string().refine((name) => names.includes(name), { message: 'unknown intent' }),
      urgency: z.enum(URGENCIES),
    });
    this.jsonSchema = {
      type: 'object',
      properties: {
        intent: { type: 'string', enum: names },
        urgency: { type: 'string', enum: [...URGENCIES] },
      },
      required: ['intent', 'urgency'],
      additionalProperties: false,
    };
  }

  /** Throws LlmClassificationError on timeout, HTTP error, malformed JSON or an intent not in the list. */
  async classify(text: string): Promise<LlmVerdict> {
    let content: string | null | undefined;
    const started = Date.now();
    try {
      const completion = await this.client.chat.completions.create({
        model: this.model,
        temperature: 0,
        messages: [
          { role: 'system', content: this.systemPrompt },
          { role: 'user', content: text.slice(0, MAX_LLM_CHARS) },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'triage_verdict', strict: true, schema: this.jsonSchema },
        },
      });
      content = completion.choices[0]?.message.content;
    } catch (error) {
      // Elapsed time, not only the error class: under some runtimes the SDK reports its own timeout abort
      // as a plain connection error.
      const timedOut =
        error instanceof OpenAI.APIConnectionTimeoutError || Date.now() - started >= this.timeoutMs;
      throw new LlmClassificationError(
        'LLM_REQUEST_FAILED',
        `LLM request failed: ${timedOut ? 'timed out' : describe(error)}`,
      );
    }
    if (!content) throw new LlmClassificationError('LLM_BAD_RESPONSE', 'LLM returned no content');
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch {
      throw new LlmClassificationError('LLM_BAD_RESPONSE', 'LLM returned malformed JSON');
    }
    const parsed = this.verdictSchema.safeParse(data);
    if (!parsed.success) {
      throw new LlmClassificationError(
        'LLM_BAD_RESPONSE',
        `LLM returned an invalid verdict: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    return parsed.data;
  }
}

function describe(error: unknown): string {
  if (error instanceof OpenAI.APIError && error.status !== undefined) return `HTTP ${error.status}`;
  return error instanceof Error ? error.name : 'unknown error';
}

/** The factory the triage core takes: `createTriage({ llm: openAiTriageClassifier(options) })`. */
export const openAiTriageClassifier =
  (options: LlmOptions): LlmClassifierFactory =>
  (intents) =>
    new OpenAiTriageClassifier(options, intents);
