import { ContextRules } from './context-rules';
import { type IntentDefinition, loadIntentCatalog } from './intent-catalog';
import type { QueueName, Urgency } from './intent-schema';
import { detectLanguage, type Language } from './language-detector';
import { LlmClassificationError, type LlmClassifierFactory } from './llm-port';
import { LocalClassifier } from './local-classifier';
import { KeywordRules, rank, UrgencyRules } from './pattern-rules';
import { RedFlagRules } from './red-flag-rules';
import { normalizeText } from './text-normalizer';

export interface TriageContext {
  /** Template name of the last message we sent this patient, e.g. `appointment-reminder`. */
  lastOutboundTemplate?: string;
  /** Language on file for the patient; breaks ties when the text itself is ambiguous. */
  language?: string;
}

export interface TriageResult {
  intent: string;
  urgency: Urgency;
  confidence: number;
  queue: QueueName;
  engine: 'red-flag' | 'context' | 'keyword' | 'local' | 'llm' | 'fallback';
  reasons: string[];
  version: string;
  language: Language;
}

export interface Triage {
  /** Rules and the local classifier only: synchronous, no network, never throws. */
  classifyLocal(text: string, context?: TriageContext): TriageResult;
  /** As classifyLocal, then asks the LLM (if configured) when the local classifier is unsure; never rejects. */
  classify(text: string, context?: TriageContext): Promise<TriageResult>;
  intents: IntentDefinition[];
}

export interface TriageOptions {
  intentsDir?: string;
  /** Builds the optional LLM layer from the intent list (see providers/openai). */
  llm?: LlmClassifierFactory;
}

const EMERGENCY = 'emergency';
const FALLBACK_INTENT = 'general';
// The classifier reads the first 200 words; red flags are scanned over the whole (capped) text.
const MAX_CLASSIFIED_TOKENS = 200;
// Below this share of known words the message is in a language or alphabet the examples do not cover.
const MIN_KNOWN_WORD_RATIO = 0.25;
// Below this the local answer is a guess: ask the LLM when there is one.
const LLM_THRESHOLD = 0.6;
// The classifier alone may call an emergency only when it is fairly sure; otherwise a nurse still sees it
// first as an urgent clinical question.
const LOCAL_EMERGENCY_MIN = 0.6;
const LOCAL_EMERGENCY_LEAN = 0.4;
const LLM_CONFIDENCE = 0.8;
// Intents that only acknowledge; when a message also carries a request, the request is routed.
const ACKNOWLEDGMENTS = new Set(['confirm', 'general']);

/** Loads the intent catalog, trains the local classifier and returns the triage functions. */
export function createTriage(options: TriageOptions = {}): Triage {
  const { intents, version } = loadIntentCatalog(options.intentsDir);
  const byName = new Map(intents.map((i) => [i.name, i]));
  const intentOf = (name: string): IntentDefinition => byName.get(name) ?? byName.get(FALLBACK_INTENT)!;

  const knownWords = new Set<string>();
  for (const intent of intents) {
    if (intent.name === EMERGENCY) continue;
    for (const example of intent.examples) for (const t of normalizeText(example).tokens) knownWords.add(t);
  }
  const redFlags = new RedFlagRules(
    intents.flatMap((i) => i.redFlags),
    knownWords,
  );
  const contextRules = new ContextRules(intents);
  const keywordRules = new KeywordRules(intents);
  const urgencyRules = new UrgencyRules(intents);
  const classifier = LocalClassifier.train(
    intents.flatMap((intent) =>
      intent.examples.map((example) => {
        const { tokens, text } = normalizeText(example);
        return { tokens, keywordIntents: keywordRules.match(text).keys(), label: intent.name };
      }),
    ),
  );
  const llm = options.llm ? options.llm(intents) : undefined;

  const result = (
    intentName: string,
    engine: TriageResult['engine'],
    confidence: number,
    reasons: string[],
    language: Language,
    urgency?: Urgency,
  ): TriageResult => {
    const intent = intentOf(intentName);
    return {
      intent: intent.name,
      urgency: urgency ?? intent.urgency,
      confidence: round(confidence),
      queue: intent.queue,
      engine,
      reasons,
      version,
      language,
    };
  };

  const classifyLocal = (text: string, context?: TriageContext): TriageResult => {
    const normalized = normalizeText(typeof text === 'string' ? text : '');
    const tokens = normalized.tokens.slice(0, MAX_CLASSIFIED_TOKENS);
    const language = detectLanguage(tokens, context?.language);

    const scan = redFlags.scan(normalized);
    if (scan.hits.length > 0) {
      const seen = new Set<string>();
      const reasons: string[] = [];
      for (const hit of scan.hits) {
        if (seen.has(hit.category)) continue;
        seen.add(hit.category);
        reasons.push(`red flag: ${hit.label} ("${hit.phrase}")`);
      }
      return result(EMERGENCY, 'red-flag', 0.99, reasons, language, 'emergency');
    }
    const dismissedReasons = scan.dismissed.map((d) => `red-flag phrase "${d.phrase}" not counted: ${d.why}`);

    if (normalized.alphanumericCount === 0 || tokens.length === 0) {
      return result(
        FALLBACK_INTENT,
        'fallback',
        0,
        ['no words to read (empty, emoji-only or symbols)'],
        language,
      );
    }

    const reply = contextRules.decide(tokens, context);
    if (reply) {
      return result(
        reply.intent,
        reply.engine,
        reply.confidence,
        [...reply.reasons, ...dismissedReasons],
        language,
      );
    }

    const classifiedText = tokens.join(' ');
    const keywords = keywordRules.match(classifiedText);
    const prediction = classifier.predict(tokens, keywords.keys());
    if (prediction.knownWordRatio < MIN_KNOWN_WORD_RATIO) {
      return result(
        FALLBACK_INTENT,
        'fallback',
        0.1,
        [
          `only ${Math.round(prediction.knownWordRatio * 100)}% of the words are known to the classifier (unsupported language or junk)`,
          ...dismissedReasons,
        ],
        language,
      );
    }

    let intentName = prediction.intent;
    let probability = prediction.probability;
    const reasons: string[] = [];
    let floor: Urgency = 'routine';
    if (intentName === EMERGENCY && scan.dismissed.length > 0) {
      // The words look like an emergency because they name one, but the red-flag rules found it denied or
      // over ("no chest pain anymore"): a nurse should still read it, without an emergency alarm.
      reasons.push('emergency words were negated or resolved: sent to a nurse as a clinical question');
      intentName = 'clinical_question';
    } else if (intentName === EMERGENCY && probability < LOCAL_EMERGENCY_LEAN && prediction.runnerUp) {
      // A weak lean on emergency words with no red flag ("cant talk now"): the next intent is the better read.
      intentName = prediction.runnerUp.intent;
      probability = prediction.runnerUp.probability;
      reasons.push(
        `classifier: ${intentName} p=${probability.toFixed(2)} (emergency p=${prediction.probability.toFixed(2)}, no red flag)`,
      );
    } else if (intentName === EMERGENCY && probability < LOCAL_EMERGENCY_MIN) {
      reasons.push(
        `classifier leans emergency (p=${probability.toFixed(2)}) but no red-flag phrase matched: sent to a nurse as urgent`,
      );
      intentName = 'clinical_question';
      floor = 'urgent';
    } else if (intentName === EMERGENCY) {
      reasons.push(`classifier: emergency (p=${probability.toFixed(2)}) with no red-flag phrase`);
    }
    // "Yes I'll be there, also I need a refill": an acknowledgment plus a request; the request is what
    // someone has to act on, so it decides the queue.
    if (ACKNOWLEDGMENTS.has(intentName)) {
      const request = [...keywords.keys()].find((name) => !ACKNOWLEDGMENTS.has(name) && name !== EMERGENCY);
      if (request !== undefined) {
        reasons.push(`message also asks for ${request}; a request outranks the ${intentName} part`);
        intentName = request;
      }
    }
    const keyword = keywords.get(intentName);
    const engine = keyword === undefined ? 'local' : 'keyword';
    if (keyword !== undefined) reasons.push(`keyword for ${intentName}: "${keyword}"`);
    if (intentName === prediction.intent) {
      reasons.push(
        `classifier: ${intentName} p=${probability.toFixed(2)}${prediction.evidence.length > 0 ? `; words: ${prediction.evidence.join(', ')}` : ''}`,
      );
    } else probability = Math.max(probability, 0.5);
    const intent = intentOf(intentName);
    const base = rank(floor) > rank(intent.urgency) ? floor : intent.urgency;
    const raised = urgencyRules.raise(intentName, base, classifiedText);
    if (raised.cue !== undefined) reasons.push(`urgency ${raised.urgency}: "${raised.cue}"`);
    return result(
      intentName,
      engine,
      probability,
      [...reasons, ...dismissedReasons],
      language,
      raised.urgency,
    );
  };

  const classify = async (text: string, context?: TriageContext): Promise<TriageResult> => {
    const local = classifyLocal(text, context);
    const unsure =
      local.confidence < LLM_THRESHOLD &&
      (local.engine === 'local' ||
        local.engine === 'keyword' ||
        (local.engine === 'fallback' && local.confidence > 0));
    // Red flags and short-reply rules are decided locally; the LLM never sees or overrides them.
    if (!llm || !unsure) return local;
    try {
      const verdict = await llm.classify(typeof text === 'string' ? text : '');
      const intent = intentOf(verdict.intent);
      // The LLM may raise urgency above the intent's default, never lower it.
      const urgency = rank(verdict.urgency) > rank(intent.urgency) ? verdict.urgency : intent.urgency;
      return {
        ...result(intent.name, 'llm', LLM_CONFIDENCE, [], local.language, urgency),
        reasons: [
          `LLM chose ${intent.name} (${verdict.urgency}); local classifier was unsure (${local.intent}, p=${local.confidence.toFixed(2)})`,
          ...local.reasons.filter((r) => r.startsWith('red-flag phrase')),
        ],
      };
    } catch (error) {
      const why = error instanceof LlmClassificationError ? error.message : 'LLM call failed';
      return { ...local, reasons: [...local.reasons, `${why}; kept the local result`] };
    }
  };

  return { classifyLocal, classify, intents };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
