import { createHash } from 'node:crypto';
import { loadConceptCatalog } from './concept-catalog';
import { ContextRules } from './context-rules';
import { FUNCTION_WORDS } from './function-words';
import { defaultIntentsDir, type IntentDefinition, loadIntentCatalog } from './intent-catalog';
import type { QueueName, Urgency } from './intent-schema';
import { detectLanguage, type Language } from './language-detector';
import { LlmClassificationError, type LlmClassifierFactory, type LlmVerdict } from './llm-port';
import { LocalClassifier, type LocalPrediction, type TrainingOptions } from './local-classifier';
import { KeywordRules, rank, UrgencyRules, wordBounded } from './pattern-rules';
import { type RedFlagAssessment, RedFlagEngine } from './red-flag-engine';
import { normalizeText } from './text-normalizer';
import { intentSummary, isRedFlagFinding, redFlagFindings } from './triage-findings';

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
  /** The decision in the words staff read: no ids, no scores (see triage-findings.ts). */
  findings: string[];
  version: string;
  language: Language;
  /**
   * Whether the message says anything clinical or about risk (a red-flag concept, even negated or in
   * the past, or a symptom word). A free-text opt-out is written to the consent ledger only when false.
   */
  clinicalContent: boolean;
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
  /** Training options of the local classifier (scripts/triage-classifier-ablation.ts compares them). */
  classifier?: TrainingOptions;
}

const EMERGENCY = 'emergency';
const CLINICAL = 'clinical_question';
const FALLBACK_INTENT = 'general';
const OPT_OUT = 'opt_out';
/** Opens the reason given when a free-text opt-out was set aside for clinical or risk content. */
export const OPT_OUT_SET_ASIDE = 'opt-out set aside';
const SELF_HARM = 'self_harm';
// The classifier reads the first 200 words; red flags are scanned over the whole (capped) text.
const MAX_CLASSIFIED_TOKENS = 200;
// Below this share of known words the message is in a language or alphabet the examples do not cover.
const MIN_KNOWN_WORD_RATIO = 0.25;
// Below this the local answer is a guess: ask the LLM when there is one.
const LLM_THRESHOLD = 0.6;
// With no keyword of its intent and no clinical word, a prediction this weak is a message about nothing
// the clinic handles (a general question, chit-chat): the front desk reads it, flagged as unsure.
const OFF_TOPIC_BELOW = 0.5;
const OFF_TOPIC_CONFIDENCE = 0.2;
// The classifier's own class for messages unrelated to the clinic (general.yaml's offTopicExamples); it
// is no intent: a message read as one goes to `general`, flagged as unsure.
const OFF_TOPIC = 'general (off-topic)';
// An off-topic reading at least this sure stands beside an everyday word that is also a clinical word
// ("my laptop caught a virus", "that price gave me a heart attack lol"), unless the message names a
// symptom or asks about care (a keyword of clinical_question) or a red flag is live.
const OFF_TOPIC_STANDS = 0.7;
// ... and only when its content words alone still read off-topic at least this surely: "what's the
// recovery time for a hernia surgery" is off-topic on "the", "for a", its content words are clinical.
// Measured on the dev files: 20 clinical questions kept with the nurses for 16 figures of speech lost.
const CONTENT_OFF_TOPIC_STANDS = 0.5;
// A clinical guess with no clinical word stands when the message's content words alone (those the
// examples know, function words left out) read as clinical this surely ("is it normal for a toddler to
// wake up every night"); the same guess carried by function words ("my printer keeps jamming and i dont
// know") or by the letters of unknown words ("se me esta secando el pasto") is off-topic.
const CONTENT_CLINICAL_STANDS = 0.7;
const LLM_CONFIDENCE = 0.8;
// Intents about the messaging service itself: a patient asking about the text line or consent names
// the line, its messages or the act of texting. A guess at one of them in a message with none of these
// words rests on "is this", "quien", "por que" and is someone else's chat ("is this still carlos's
// number" has "number": it stays a question about the line).
const SERVICE_INTENTS = new Set(['help', 'opt_in', OPT_OUT]);
const SERVICE_WORDS = wordBounded(
  [
    'text\\w*|txts?|messag\\w*|msgs?|sms|reminders?|notifications?|alerts?|numbers?|line|chat|link|emails?',
    'reply|replied|replying|respond\\w*|answer\\w*|send|sending|sent|contact\\w*|read|reads|reading',
    'stop|stopped|start|unstop|resume|subscri\\w*|unsubscri\\w*|opt|opted|list|robot|bot|automated|human|person|scam',
    'mensaje\\w*|recordatorio\\w*|numero|textos?|avisos?|notificacion\\w*|enlace|lista|baja|alta|alto|suscrib\\w*',
    'contest\\w*|escrib\\w*|mand\\w*|envi\\w*|automatico|persona|lee|leen|lea|este medio|correo',
    'help|ayuda|info|informacion|what is this|que es esto',
  ],
  'u',
);
// Intents that only acknowledge; when a message also carries a request, the request is routed.
const ACKNOWLEDGMENTS = new Set(['confirm', 'general']);

/** Loads the intent catalog and red-flag concepts, trains the local classifier, returns the triage functions. */
export function createTriage(options: TriageOptions = {}): Triage {
  const intentsDir = options.intentsDir ?? defaultIntentsDir();
  const catalog = loadIntentCatalog(intentsDir);
  const concepts = loadConceptCatalog(intentsDir);
  const intents = catalog.intents;
  const version = `triage-${createHash('sha256').update(catalog.version).update(concepts.digest).digest('hex').slice(0, 12)}`;
  const byName = new Map(intents.map((i) => [i.name, i]));
  const intentOf = (name: string): IntentDefinition => byName.get(name) ?? byName.get(FALLBACK_INTENT)!;

  const knownWords = new Set<string>();
  for (const intent of intents) {
    for (const example of [...intent.examples, ...intent.offTopicExamples]) {
      for (const t of normalizeText(example).tokens) knownWords.add(t);
    }
  }
  const redFlags = new RedFlagEngine(concepts, knownWords);
  const contextRules = new ContextRules(intents);
  const keywordRules = new KeywordRules(intents, (name) => !SERVICE_INTENTS.has(name) && name !== CLINICAL);
  const mentionRules = new KeywordRules(intents.map((i) => ({ ...i, keywords: i.mustMention })));
  const notAboutRules = new KeywordRules(intents.map((i) => ({ ...i, keywords: i.notAbout })));
  const aboutRules = new KeywordRules(intents.map((i) => ({ ...i, keywords: i.about })));
  const urgencyRules = new UrgencyRules(intents);
  // The classifier never learns the emergency label: emergencies come from red-flag concepts (or the LLM),
  // never from words that merely co-occur with them. Emergency examples are still clinical text.
  const sample = (example: string, label: string) => {
    const { tokens, text } = normalizeText(example);
    return { tokens, keywordIntents: keywordRules.match(text).keys(), label };
  };
  const classifier = LocalClassifier.train(
    intents.flatMap((intent) => [
      ...intent.examples.map((example) =>
        sample(example, intent.name === EMERGENCY ? CLINICAL : intent.name),
      ),
      ...intent.offTopicExamples.map((example) => sample(example, OFF_TOPIC)),
    ]),
    options.classifier,
  );
  const llm = options.llm ? options.llm(intents) : undefined;

  const summaryOf = (name: string): string => intentSummary(intentOf(name));
  const result = (
    intentName: string,
    engine: TriageResult['engine'],
    confidence: number,
    reasons: string[],
    language: Language,
    clinicalContent: boolean,
    urgency?: Urgency,
    findings: string[] = [],
  ): TriageResult => {
    const intent = intentOf(intentName);
    return {
      intent: intent.name,
      urgency: urgency ?? intent.urgency,
      confidence: round(confidence),
      queue: intent.queue,
      engine,
      reasons,
      findings,
      version,
      language,
      clinicalContent,
    };
  };

  const classifyLocal = (text: string, context?: TriageContext): TriageResult => {
    const normalized = normalizeText(typeof text === 'string' ? text : '');
    const tokens = normalized.tokens.slice(0, MAX_CLASSIFIED_TOKENS);
    const language = detectLanguage(tokens, context?.language);

    const flags = redFlags.assess(normalized, language);
    const { live, dismissed } = flags;
    const flagReasons = redFlagReasons(flags);
    const flagFindings = redFlagFindings(flags);
    const hasRedFlagWords = live.length > 0 || dismissed.length > 0;
    // Says so when the patient also asked to stop the texts: staff see why no opt-out was recorded.
    const optOutNote = (): string[] => {
      const phrase = keywordRules.match(tokens.join(' ')).get(OPT_OUT);
      return phrase === undefined
        ? []
        : [`${OPT_OUT_SET_ASIDE} ("${phrase}"): the message has a red flag; staff confirm the opt-out`];
    };
    if (flags.level === 'emergency') {
      return result(
        EMERGENCY,
        'red-flag',
        0.99,
        [...flagReasons, ...optOutNote()],
        language,
        true,
        'emergency',
        flagFindings,
      );
    }

    if (normalized.alphanumericCount === 0 || tokens.length === 0) {
      return result(
        FALLBACK_INTENT,
        'fallback',
        0,
        ['no words to read (empty, emoji-only or symbols)'],
        language,
        false,
        undefined,
        ['No words to read (only emoji or symbols)'],
      );
    }

    const reply = live.length === 0 ? contextRules.decide(tokens, context) : null;
    if (reply) {
      return result(
        reply.intent,
        reply.engine,
        reply.confidence,
        [...reply.reasons, ...flagReasons],
        language,
        hasRedFlagWords,
        undefined,
        [...reply.findings, ...flagFindings],
      );
    }

    const classifiedText = tokens.join(' ');
    const keywords = keywordRules.match(classifiedText);
    // Intents whose words here are about an errand of everyday life ("cancel the pizza order"): their
    // keywords do not count, nor does a guess of them (below).
    const elsewhere = notAboutRules.match(classifiedText);
    // An intent's own subject beside the errand ("cancel the pizza order and my appointment") keeps it.
    if (elsewhere.size > 0) {
      for (const name of aboutRules.match(classifiedText).keys()) elsewhere.delete(name);
    }
    for (const name of elsewhere.keys()) keywords.delete(name);
    // A red flag dismissed as a figure of speech ("that price gave me a heart attack lol") is no health
    // matter to route, nor is a clinical word inside it ("heart"); it still counts as content below.
    const figurative = dismissed.filter((hit) => hit.dismissedAs === 'figurative');
    const onlyFigurative =
      live.length === 0 &&
      figurative.length > 0 &&
      figurative.length === dismissed.length &&
      (flags.clinicalTerm === undefined ||
        figurative.some((hit) => hit.phrase.includes(flags.clinicalTerm!)));
    const clinicalWords =
      keywords.has(CLINICAL) || (!onlyFigurative && (hasRedFlagWords || flags.clinicalTerm !== undefined));
    // Broader than what routes a message to the nurses: a word of a red-flag concept matched alone
    // ("nothing matters", "overdosed") or of distress ("can't cope"). It decides whether a free-text
    // opt-out may be written to the consent ledger, never the queue of a message that is no opt-out.
    const content = clinicalWords || flags.conceptTerm !== undefined || flags.distressTerm !== undefined;
    const prediction = classifier.predict(tokens, keywords.keys());

    if (flags.level !== null) {
      // A red flag without an acuity signal: a nurse reads it within the hour (or the day), never routine.
      const urgency = urgencyRules.raise(
        CLINICAL,
        higher(flags.level, intentOf(CLINICAL).urgency),
        classifiedText,
      );
      return result(
        CLINICAL,
        'red-flag',
        0.9,
        [...flagReasons, ...optOutNote()],
        language,
        true,
        urgency.urgency,
        [
          ...flagFindings,
          ...(urgency.cue !== undefined ? [`Marked ${urgency.urgency} for “${urgency.cue}”`] : []),
        ],
      );
    }

    // A word of the clinical lexicon or an intent's keyword is a word triage reads, whatever the examples
    // hold: "can dehydration cause kidney stones" or "resubscribe" is no unsupported language.
    if (prediction.knownWordRatio < MIN_KNOWN_WORD_RATIO && !clinicalWords && keywords.size === 0) {
      return result(
        FALLBACK_INTENT,
        'fallback',
        0.1,
        [
          `only ${Math.round(prediction.knownWordRatio * 100)}% of the words are known to the classifier (unsupported language or junk)`,
          ...flagReasons,
        ],
        language,
        content,
        undefined,
        ['Mostly words triage does not know (another language?): the front desk reads it', ...flagFindings],
      );
    }

    const offTopicGuess = prediction.intent === OFF_TOPIC;
    // The classifier's reading of the message's content words alone: function words ("my", "and i",
    // "se me", "un ... hace") must not make a message clinical (issue 12, part 4).
    // The same holds for an off-topic reading ("what's the recovery time for a hernia surgery" is
    // off-topic on "the", "for a"), so both are asked of the content words.
    let contentReading: LocalPrediction | null | undefined;
    const contentSays = (label: string, atLeast: number): boolean => {
      if (contentReading === undefined) {
        // Words the examples know: an unknown word ("secando") would be read by its letters alone.
        const content = tokens.filter((t) => !FUNCTION_WORDS.has(t) && knownWords.has(t));
        contentReading = content.length === 0 ? null : classifier.predict(content, keywords.keys());
      }
      return (
        contentReading !== null && contentReading.intent === label && contentReading.probability >= atLeast
      );
    };
    const contentSaysClinical = () => contentSays(CLINICAL, CONTENT_CLINICAL_STANDS);
    let intentName = offTopicGuess ? FALLBACK_INTENT : prediction.intent;
    let probability = prediction.probability;
    const reasons: string[] = [];
    const errand = elsewhere.get(intentName);
    if (errand !== undefined && !clinicalWords) {
      return result(
        FALLBACK_INTENT,
        'fallback',
        OFF_TOPIC_CONFIDENCE,
        [
          `no clinic topic recognized ("${errand}" is about something else than ${intentName}; classifier p=${probability.toFixed(2)}): front desk`,
          ...flagReasons,
        ],
        language,
        content,
        undefined,
        ['No clinic topic recognized: the front desk reads it', ...flagFindings],
      );
    }
    // Plain-words notes beside the intent's own summary, which goes first once the intent is settled.
    const findings: string[] = [];
    // A health word and nothing the front desk handles: a nurse reads it ("can I give my baby honey").
    // So does a health word with a weak guess at a front-desk intent none of whose keywords is there
    // ("can I travel at 28 weeks pregnant" guessed as reschedule on "can i ... to").
    if (
      clinicalWords &&
      intentName !== CLINICAL &&
      (intentName === FALLBACK_INTENT || intentName === 'help' || probability < OFF_TOPIC_BELOW) &&
      !keywords.has(intentName) &&
      !(
        offTopicGuess &&
        probability >= OFF_TOPIC_STANDS &&
        !keywords.has(CLINICAL) &&
        live.length === 0 &&
        contentSays(OFF_TOPIC, CONTENT_OFF_TOPIC_STANDS)
      )
    ) {
      const word = flags.clinicalTerm ?? keywords.get(CLINICAL) ?? (live[0] ?? dismissed[0])?.phrase;
      reasons.push(
        `clinical words ("${word}") and no front-desk request: a nurse reads it (classifier: ${intentName} p=${probability.toFixed(2)})`,
      );
      findings.push(`Mentions a health matter (“${word}”): a nurse reads it`);
      intentName = CLINICAL;
      probability = Math.max(0.5, 1 - probability);
    }
    // Safety over opt-out: "stop texting me, my chest hurts" or "unsubscribe me, I won't be around" asks
    // for help or signals risk as much as it asks for silence, and silence is the one answer that cannot
    // be undone if we are wrong. A free-text opt-out stands only with no red-flag concept (even one a
    // context modifier dismissed, or a warning sign that does not count alone), no clinical word and no
    // crisis wording; otherwise a nurse reads it, and the consent ledger is left alone (triage-job.ts).
    // Asked in an opt-out phrase and read as something else ("stop texting me, I took all my pills and
    // I'm dizzy" is clinical): staff still see that it was asked, and why nothing was recorded. A guess
    // of opt-out that names nothing to stop ("ese examen me mato, ya no puedo mas") is no request: it
    // goes to the front desk below, and its words do not make it a crisis.
    const optOutAsked =
      keywords.has(OPT_OUT) || (intentName === OPT_OUT && mentionRules.match(classifiedText).has(OPT_OUT));
    // A guess of opt-out beside a finality statement ("STOP. just stop. I won't be here anymore") is
    // the withdrawal itself, whatever it names: it is set aside as a crisis, not sent to the front desk.
    const withdrawal =
      !optOutAsked && intentName === OPT_OUT ? optOutSetAside(flags, clinicalWords, undefined) : null;
    const setAside = optOutAsked
      ? optOutSetAside(flags, clinicalWords, keywords.get(CLINICAL))
      : withdrawal?.level === 'emergency'
        ? withdrawal
        : null;
    if (setAside) {
      reasons.push(`${OPT_OUT_SET_ASIDE}: ${setAside.why}; a nurse reads it and staff confirm the opt-out`);
      findings.push(
        'Also asked to stop the texts: not recorded, because the message has clinical or risk content',
      );
      if (setAside.crisis) {
        findings.push(`${setAside.crisis} (“${setAside.phrase}”) while asking to stop the texts`);
        // A finality statement beside a request for silence is a withdrawal from care: the crisis reply
        // goes now, and a nurse calls (`besideOptOut` in intents/concepts). Other risk wording: a nurse
        // reads it within the hour.
        if (setAside.level === 'emergency') {
          const lead = `red flag: ${setAside.label} ("${setAside.phrase}") beside a request to stop the texts, emergency`;
          return result(
            EMERGENCY,
            'red-flag',
            0.99,
            [lead, ...reasons, ...flagReasons],
            language,
            true,
            'emergency',
            [...findings, ...flagFindings],
          );
        }
        return result(CLINICAL, 'red-flag', 0.9, [...reasons, ...flagReasons], language, true, 'urgent', [
          summaryOf(CLINICAL),
          ...findings,
          ...flagFindings,
        ]);
      }
      // A red-flag word beside a request for silence ("unsubscribe me, the bleach") is for a nurse,
      // even with no word that would route it there alone.
      if (intentName === OPT_OUT || intentName === FALLBACK_INTENT || intentName === 'help') {
        intentName = CLINICAL;
        probability = Math.max(0.5, probability);
      }
    }
    // A free-text opt-out is written to the consent ledger, so it has to say what to stop (an opt-out
    // phrase, or texts, messages, reminders: `mustMention` in intents/opt-out.yaml). The classifier's
    // guess alone ("I just want it all to stop", "leave me alone") may be distress rather than a
    // request about texts, and silence is the one answer that cannot be undone: the front desk reads
    // it and confirms with the patient.
    if (
      intentName === OPT_OUT &&
      !keywords.has(OPT_OUT) &&
      !mentionRules.match(classifiedText).has(OPT_OUT)
    ) {
      reasons.push(
        `${OPT_OUT_SET_ASIDE}: read as an opt-out (p=${probability.toFixed(2)}) but it does not say what to stop; staff confirm with the patient`,
      );
      findings.push(
        'May want the texts to stop, but does not say so plainly: not recorded; confirm with the patient',
      );
      intentName = FALLBACK_INTENT;
    }
    // "Yes I'll be there, also I need a refill": an acknowledgment plus a request; the request is what
    // someone has to act on, so it decides the queue.
    if (ACKNOWLEDGMENTS.has(intentName)) {
      const request = [...keywords.keys()].find((name) => !ACKNOWLEDGMENTS.has(name) && name !== EMERGENCY);
      if (request !== undefined) {
        reasons.push(`message also asks for ${request}; a request outranks the ${intentName} part`);
        findings.push(`Also: ${summaryOf(intentName).toLowerCase()}`);
        intentName = request;
      }
    }
    // A weak guess with another intent's keyword in the message: the keyword is the better read
    // ("and what about the other invoice from March?").
    const keyworded = [...keywords.keys()].find((name) => name !== FALLBACK_INTENT && name !== EMERGENCY);
    // So is a guess at the text line or consent with none of its keywords, however sure: "quiero dejar de
    // recibir los avisos" guessed opt_in on "recibir los" has the opt-out's keyword.
    if (
      !keywords.has(intentName) &&
      (probability < OFF_TOPIC_BELOW || SERVICE_INTENTS.has(intentName)) &&
      keyworded !== undefined
    ) {
      reasons.push(
        `weak guess ${intentName} p=${probability.toFixed(2)}; the message has a keyword of ${keyworded}`,
      );
      intentName = keyworded;
      probability = OFF_TOPIC_BELOW;
    }
    let keyword = keywords.get(intentName);
    // A nurse's question names something about the body, a symptom, a medicine or care; without any
    // such word a "clinical" guess rests on function words ("my", "how do i", "se me") and is off-topic.
    // A word of a red-flag concept ("aneurysm", "naloxone", "slurring") upholds a clinical guess, though
    // it never makes one: alone it is too broad to route ("fire", "air", "crushing it").
    const clinicalWithoutClinicalWords =
      intentName === CLINICAL && !clinicalWords && flags.conceptTerm === undefined && !contentSaysClinical();
    // Questions about the text line and consent requests name it ("text", "stop", "reminders"): a
    // guess at them with none of their keywords and no strong evidence is someone else's chat.
    const serviceGuess =
      SERVICE_INTENTS.has(intentName) && keyword === undefined && !SERVICE_WORDS.test(classifiedText);
    const guessCannotStand =
      keyword === undefined &&
      !clinicalWords &&
      !setAside &&
      (probability < OFF_TOPIC_BELOW || clinicalWithoutClinicalWords || serviceGuess) &&
      intentName !== FALLBACK_INTENT;
    // A guess that cannot stand yields to another intent's keyword ("running late, should i rebook"
    // guessed clinical on "should i"): the keyword is what the message asks.
    if (guessCannotStand && keyworded !== undefined) {
      reasons.push(
        `guess ${intentName} p=${probability.toFixed(2)} rests on no word of its own; the message has a keyword of ${keyworded}`,
      );
      intentName = keyworded;
      keyword = keywords.get(keyworded);
      probability = OFF_TOPIC_BELOW;
    } else if (guessCannotStand) {
      // Nothing the clinic handles was recognized: the front desk reads it, and says it was a guess.
      return result(
        FALLBACK_INTENT,
        'fallback',
        OFF_TOPIC_CONFIDENCE,
        [
          `no clinic topic recognized (best guess ${intentName} p=${probability.toFixed(2)}): front desk`,
          ...flagReasons,
        ],
        language,
        content,
        undefined,
        ['No clinic topic recognized: the front desk reads it', ...flagFindings],
      );
    }
    if (intentName === FALLBACK_INTENT && offTopicGuess && keyword === undefined) {
      // Read as unrelated to the clinic: the front desk reads it, flagged as unsure (issue 12, part 6).
      return result(
        FALLBACK_INTENT,
        'fallback',
        OFF_TOPIC_CONFIDENCE,
        [
          `no clinic topic recognized (read as unrelated to the clinic, p=${probability.toFixed(2)}${prediction.evidence.length > 0 ? `; words: ${prediction.evidence.join(', ')}` : ''}): front desk`,
          ...reasons,
          ...flagReasons,
        ],
        language,
        content,
        undefined,
        ['No clinic topic recognized: the front desk reads it', ...findings, ...flagFindings],
      );
    }
    const engine = keyword === undefined ? 'local' : 'keyword';
    if (keyword !== undefined) reasons.push(`keyword for ${intentName}: "${keyword}"`);
    if (intentName === prediction.intent || (offTopicGuess && intentName === FALLBACK_INTENT)) {
      reasons.push(
        `classifier: ${intentName} p=${probability.toFixed(2)}${prediction.evidence.length > 0 ? `; words: ${prediction.evidence.join(', ')}` : ''}`,
      );
    } else probability = Math.max(probability, 0.5);
    const raised = urgencyRules.raise(intentName, intentOf(intentName).urgency, classifiedText);
    if (raised.cue !== undefined) {
      reasons.push(`urgency ${raised.urgency}: "${raised.cue}"`);
      findings.push(`Marked ${raised.urgency} for “${raised.cue}”`);
    }
    const summary = summaryOf(intentName) + (keyword !== undefined ? ` (“${keyword}”)` : '');
    return result(
      intentName,
      engine,
      probability,
      [...reasons, ...flagReasons],
      language,
      content || intentName === CLINICAL,
      raised.urgency,
      [summary, ...findings, ...flagFindings],
    );
  };

  const classify = async (text: string, context?: TriageContext): Promise<TriageResult> => {
    const local = classifyLocal(text, context);
    if (!llm || local.intent === EMERGENCY) return local;
    // What the local layers route to the nurses; a refill that names a medicine is not a clinical call.
    const clinical = local.queue === 'nurse-triage';
    const unsure =
      local.confidence < LLM_THRESHOLD &&
      (local.engine === 'local' || local.engine === 'keyword' || local.engine === 'fallback') &&
      !(local.engine === 'fallback' && local.confidence === 0);
    // Short replies and carrier keywords are decided locally; clinical text gets a second opinion that
    // can only raise urgency; other text asks the LLM only when the local layers were unsure.
    if (!clinical && !unsure) return local;
    try {
      const verdict = await llm.classify(typeof text === 'string' ? text : '');
      if (clinical) return raiseOnly(local, verdict);
      const intent = intentOf(verdict.intent);
      if (intent.name === EMERGENCY) return raiseOnly(local, verdict);
      // The LLM may raise urgency above the intent's default, never lower it.
      const urgency = rank(verdict.urgency) > rank(intent.urgency) ? verdict.urgency : intent.urgency;
      return {
        ...result(intent.name, 'llm', LLM_CONFIDENCE, [], local.language, local.clinicalContent, urgency, [
          `${summaryOf(intent.name)} (read by the AI model)`,
          ...local.findings.filter(isRedFlagFinding),
        ]),
        reasons: [
          `LLM chose ${intent.name} (${verdict.urgency}); local classifier was unsure (${local.intent}, p=${local.confidence.toFixed(2)})`,
          ...local.reasons.filter((r) => r.startsWith('red flag') || r.startsWith('not counted')),
        ],
      };
    } catch (error) {
      const why = error instanceof LlmClassificationError ? error.message : 'LLM call failed';
      return { ...local, reasons: [...local.reasons, `${why}; kept the local result`] };
    }
  };

  /** The LLM's second opinion on clinical text: it may raise urgency (to an emergency), never lower it. */
  const raiseOnly = (local: TriageResult, verdict: LlmVerdict): TriageResult => {
    const urgency = verdict.intent === EMERGENCY ? 'emergency' : verdict.urgency;
    if (rank(urgency) <= rank(local.urgency)) {
      return {
        ...local,
        reasons: [
          ...local.reasons,
          `LLM second opinion (${verdict.intent}, ${verdict.urgency}) did not raise urgency`,
        ],
      };
    }
    const reason = `LLM raised urgency from ${local.urgency} to ${urgency} (${verdict.intent})`;
    if (urgency === 'emergency') {
      return {
        ...result(
          EMERGENCY,
          'llm',
          LLM_CONFIDENCE,
          [reason, ...local.reasons],
          local.language,
          true,
          'emergency',
          [`The AI model raised it to an emergency`, ...local.findings],
        ),
      };
    }
    return {
      ...local,
      urgency,
      engine: 'llm',
      reasons: [reason, ...local.reasons],
      findings: [`The AI model raised the urgency to ${urgency}`, ...local.findings],
    };
  };

  return { classifyLocal, classify, intents };
}

/**
 * Why a free-text opt-out cannot stand, or null when it can: any red flag (even dismissed, or a sign
 * that does not count alone), a clinical word, a word of a red-flag concept or of distress. `crisis`
 * (what staff read) when the message carries a self-harm warning sign, self-harm wording ("nothing
 * matters anymore") or distress ("I can't cope"): cutting contact beside it may be withdrawal, itself a
 * warning sign, so a nurse reads it within the hour (urgent). Not an emergency: "unsubscribe me, I
 * won't need reminders anymore" is far more often a plain goodbye. A sign whose concept says what it
 * makes of an opt-out (`besideOptOut`: a finality statement, "take me off the list, I won't be around")
 * gives that `level`.
 */
function optOutSetAside(
  flags: RedFlagAssessment,
  clinicalWords: boolean,
  clinicalKeyword: string | undefined,
): { why: string; crisis?: string; phrase?: string; label?: string; level?: Urgency } | null {
  const signs = flags.signs.filter((h) => h.category === SELF_HARM);
  const sign = signs.find((h) => h.besideOptOut !== undefined) ?? signs[0];
  if (sign) {
    const why = `risk wording ("${sign.phrase}", ${sign.label})`;
    return {
      why,
      crisis: 'Speaks of not being here',
      phrase: sign.phrase,
      label: sign.label,
      ...(sign.besideOptOut ? { level: sign.besideOptOut } : {}),
    };
  }
  const hit = flags.live[0] ?? flags.dismissed[0] ?? flags.signs[0];
  if (hit) return { why: `red flag ${hit.label} ("${hit.phrase}")` };
  const term = flags.conceptTerm;
  if (term?.category === SELF_HARM) {
    const why = `clinical content: risk wording ("${term.phrase}")`;
    return { why, crisis: 'Speaks of hopelessness or giving up', phrase: term.phrase };
  }
  if (flags.distressTerm !== undefined) {
    const why = `clinical content: words of distress ("${flags.distressTerm}")`;
    return { why, crisis: 'Speaks of distress', phrase: flags.distressTerm };
  }
  const word = flags.clinicalTerm ?? clinicalKeyword;
  if (clinicalWords) return { why: `clinical content: clinical words ("${word}")` };
  if (term) return { why: `clinical content: words of a red flag ("${term.phrase}")` };
  return null;
}

/** What a nurse reads: each live concept (with the modifiers that mattered), then each one not counted. */
function redFlagReasons(flags: RedFlagAssessment): string[] {
  const reasons: string[] = [];
  for (const hit of flags.live) {
    reasons.push(`red flag: ${hit.label} ("${hit.phrase}"), ${hit.level}`);
    for (const note of hit.notes) reasons.push(`  ${hit.concept}: ${note}`);
  }
  for (const hit of flags.dismissed) {
    reasons.push(`not counted: ${hit.label} ("${hit.phrase}"): ${hit.dismissedBecause}`);
  }
  return reasons;
}

function higher(a: Urgency, b: Urgency): Urgency {
  return rank(a) >= rank(b) ? a : b;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
