import type { ConceptCatalog } from './concept-catalog';
import type { ConceptDefinition, ConceptLevel, ModifierKind, TermGroup } from './concept-schema';
import { ContextModifiers, type MessageContext, type TriggerHit } from './context-modifiers';
import { detectLanguage, type Language } from './language-detector';
import { Lexicon } from './lexicon';
import {
  abbreviationKey,
  isRangeWord,
  isYear,
  type KeyedToken,
  MANY_KEY,
  NEGATOR_KEY,
  NUMBER_KEY,
  negatorKey,
  PhraseIndex,
  phraseWords,
  YEAR_KEY,
} from './phrase-index';
import { numberValue } from './term-syntax';
import type { NormalizedText } from './text-normalizer';
import { type LexiconLanguage, WordKeys } from './word-keys';

/** One red-flag concept found in a message. */
export interface ConceptHit {
  category: string;
  concept: string;
  label: string;
  /** The patient's own words (before spelling repair). */
  phrase: string;
  /** What it means here, after acuity and mildness; absent when dismissed. */
  level?: ConceptLevel;
  /** Modifiers that changed the decision or that a nurse should see ("about someone else, now"). */
  notes: string[];
  /** Why it does not count (negated, past history, a question about the condition, resolved). */
  dismissedBecause?: string;
  /** Which modifier dismissed it, for the plain-words note staff read. */
  dismissedAs?: DismissingKind;
  /** Where it is among the message's words, [start, end). */
  span: [number, number];
  /** What it makes of a message that also asks to stop the texts (`besideOptOut` in the concept files). */
  besideOptOut?: ConceptLevel;
}

export interface RedFlagAssessment {
  /** The highest level among live concepts; null when none is live. */
  level: ConceptLevel | null;
  live: ConceptHit[];
  dismissed: ConceptHit[];
  /**
   * Warning signs that count only beside another red flag (`countsAlone: false`) and had none here
   * ("i wont be around"): no urgency of their own, but risk content a free-text opt-out must not override.
   */
  signs: ConceptHit[];
  /** The acuity signal that raised a concept to an emergency, when one did. */
  acuity?: string;
  /** The first clinical word (intents/context/clinical-terms.yaml), when the message has one. */
  clinicalTerm?: string;
  /**
   * The first word of a red-flag concept's term group that is not `neutral`, matched alone: a self-harm
   * one first ("nothing matters", "giving up"), else any ("dizzy", "overdosed"). Clinical or risk content
   * even where no concept is complete.
   */
  conceptTerm?: ConceptTerm;
  /** The first word of distress (intents/context/distress-terms.yaml): "overwhelmed", "can't cope". */
  distressTerm?: string;
}

/** A word of a concept's term group, as the patient wrote it, with the group it belongs to. */
export interface ConceptTerm {
  phrase: string;
  category: string;
  group: string;
}

interface CompiledConcept {
  category: string;
  definition: ConceptDefinition;
}

interface Pattern {
  concept: number;
  groups: number[];
  window: number;
  unless: number[];
  unlessWindow: number;
}

interface Occurrence {
  group: number;
  start: number;
  end: number;
}

const NONE: readonly number[] = [];
// Its words outrank any other concept term as the content a free-text opt-out gives way to.
const SELF_HARM = 'self_harm';
// Dismissed hits kept per concept for the reasons; live ones need only the first.
const MAX_DISMISSED_PER_CONCEPT = 2;
const LEVEL_RANK: Record<ConceptLevel, number> = { soon: 0, urgent: 1, emergency: 2 };

/** The modifiers that make a concept not count. */
export type DismissingKind = Extract<
  ModifierKind,
  'negated' | 'figurative' | 'hypothetical' | 'historical' | 'resolved'
>;

const DISMISSING: { kind: DismissingKind; why: (phrase: string) => string }[] = [
  { kind: 'negated', why: (p) => `negated ("${p}")` },
  { kind: 'figurative', why: (p) => `a figure of speech ("${p}")` },
  { kind: 'hypothetical', why: (p) => `a question or hypothesis about the condition ("${p}")` },
  { kind: 'historical', why: (p) => `past history, not happening now ("${p}")` },
  { kind: 'resolved', why: (p) => `over now ("${p}")` },
];

/**
 * Red flags as clinical concepts (intents/concepts/*.yaml): synonym groups matched over Snowball stems,
 * in any order within a few words, after repairing run-together words and misspellings, then weighed
 * with ConText modifiers (intents/context/modifiers.yaml) and acuity. Every step is a bounded amount of
 * work per word: the whole assessment is linear in the length of the message.
 */
export class RedFlagEngine {
  readonly #keys = new WordKeys();
  readonly #concepts: CompiledConcept[] = [];
  readonly #patterns: Pattern[] = [];
  readonly #usesOf: { pattern: number; slot: number }[][] = [];
  readonly #index: PhraseIndex<number>;
  readonly #clinicalTerms: PhraseIndex<true>;
  readonly #distressTerms: PhraseIndex<true>;
  /** Per term group: the category whose content it is, or null when `neutral` (see concept-schema.ts). */
  readonly #contentOf: (string | null)[] = [];
  readonly #groupNames: string[] = [];
  readonly #modifiers: ContextModifiers;
  readonly #lexicon: Lexicon;
  readonly #fillers: Set<string>;
  readonly #numbers: Set<string>;
  readonly #manyWords: Set<string>;
  readonly #negators: Record<LexiconLanguage, Set<string>>;
  readonly #questionOpeners: Set<string>;
  // Per language: the Spanish "son" (they are) is no English "son", nor the English "he" the Spanish "he".
  readonly #persons: Record<LexiconLanguage, Set<string>>;
  // Every word the concepts list, per language. A word listed in one language only gets only that
  // language's stem, so the English "inhaler" never meets the Spanish "inhalo" (both stem to "inhal" in
  // Spanish); in a message read as English, only a word listed in Spanish gets a Spanish key.
  readonly #wordsOf: Record<LexiconLanguage, Set<string>> = { en: new Set(), es: new Set() };
  /**
   * Abbreviations written in capitals in the concept files ("TIA") that spell an ordinary word: see
   * #readsAsAbbreviation.
   */
  readonly #abbreviations = new Set<string>();
  /** Concepts that combine with others (`composes`), by name: see #composed. */
  readonly #composing = new Map<
    string,
    { composes: 'none' | 'any' | 'category' | 'sign'; countsAlone: boolean }
  >();

  /** @param knownWords words the hub reads that no dictionary has ("dont", "kms"); never spell-corrected */
  constructor(catalog: ConceptCatalog, knownWords: Iterable<string> = []) {
    const { modifiers } = catalog;
    this.#fillers = new Set([...modifiers.fillers.en, ...modifiers.fillers.es].flatMap(phraseWords));
    this.#numbers = new Set([...modifiers.numbers.en, ...modifiers.numbers.es].flatMap(phraseWords));
    this.#manyWords = new Set(
      [...modifiers.manyNumbers.en, ...modifiers.manyNumbers.es].flatMap(phraseWords),
    );
    this.#negators = {
      en: new Set(modifiers.negators.en.flatMap(phraseWords)),
      es: new Set(modifiers.negators.es.flatMap(phraseWords)),
    };
    this.#questionOpeners = new Set(
      [...modifiers.questionOpeners.en, ...modifiers.questionOpeners.es].flatMap(phraseWords),
    );
    this.#persons = {
      en: new Set(modifiers.persons.en.flatMap(phraseWords)),
      es: new Set(modifiers.persons.es.flatMap(phraseWords)),
    };
    const isFiller = (word: string) => this.#fillers.has(word);
    this.#index = new PhraseIndex<number>(this.#keys, isFiller);
    this.#modifiers = new ContextModifiers(modifiers, this.#keys, isFiller);
    this.#clinicalTerms = new PhraseIndex<true>(this.#keys, isFiller);
    this.#distressTerms = new PhraseIndex<true>(this.#keys, isFiller);
    for (const language of ['en', 'es'] as LexiconLanguage[]) {
      for (const phrase of catalog.clinicalTerms[language]) this.#clinicalTerms.add(phrase, language, true);
      for (const phrase of catalog.distressTerms[language]) this.#distressTerms.add(phrase, language, true);
    }
    const sharedNeutral = new Set(catalog.sharedNeutral);

    const conceptWords = new Set<string>();
    const groupIds = new Map<string, number>();
    // A group is content once a concept matches on it and its file does not call it neutral; one only
    // named in `unless` ("phone", "by accident") says what a match is not, never what the message is.
    const groupOf = (scope: string, name: string, group: TermGroup, content: string | null): number => {
      const id = `${scope}/${name}`;
      let n = groupIds.get(id);
      if (n !== undefined) {
        this.#contentOf[n] ??= content;
        return n;
      }
      n = groupIds.size;
      groupIds.set(id, n);
      this.#usesOf.push([]);
      this.#contentOf.push(content);
      this.#groupNames.push(name);
      for (const language of ['en', 'es'] as LexiconLanguage[]) {
        for (const phrase of withAnyPossessive(group[language], language)) {
          if (ABBREVIATION.test(phrase)) {
            const word = phrase.toLowerCase();
            this.#abbreviations.add(word);
            this.#index.addAbbreviation(word, n);
            continue;
          }
          this.#index.add(phrase, language, n);
          for (const w of phraseWords(phrase)) {
            if (w.startsWith('#') || w === NEGATOR_KEY || isRangeWord(w)) continue;
            conceptWords.add(w);
            this.#wordsOf[language].add(w);
          }
        }
      }
      return n;
    };
    for (const file of catalog.categories) {
      const neutral = new Set(file.neutral);
      const resolveAs = (name: string, matched: boolean): number => {
        const own = file.terms[name];
        if (own)
          return groupOf(file.category, name, own, matched && !neutral.has(name) ? file.category : null);
        const content = matched && !sharedNeutral.has(name) ? 'shared' : null;
        return groupOf('shared', name, catalog.sharedTerms[name]!, content);
      };
      const resolve = (name: string) => resolveAs(name, true);
      for (const definition of file.concepts) {
        const concept = this.#concepts.length;
        this.#concepts.push({ category: file.category, definition });
        // A sign that counts alone nowhere and composes with nothing speaks only beside an opt-out
        // (`besideOptOut`): "I won't be around" is a trip, unless the message also cuts contact.
        if (definition.composes !== 'none' || !definition.countsAlone) {
          this.#composing.set(definition.name, {
            composes: definition.composes,
            countsAlone: definition.countsAlone,
          });
        }
        const unless = definition.unless.map((name) => resolveAs(name, false));
        for (const alternative of definition.match) {
          const pattern = this.#patterns.length;
          const groups = alternative.map(resolve);
          this.#patterns.push({
            concept,
            groups,
            window: definition.window,
            unless,
            unlessWindow: definition.unlessWindow,
          });
          groups.forEach((g, slot) => {
            this.#usesOf[g]!.push({ pattern, slot });
          });
        }
      }
    }
    const modifierWords = modifiers.triggers.flatMap((t) => [...t.en, ...t.es].flatMap(phraseWords));
    const clinicalWords = [
      ...catalog.clinicalTerms.en,
      ...catalog.clinicalTerms.es,
      ...catalog.distressTerms.en,
      ...catalog.distressTerms.es,
    ].flatMap(phraseWords);
    const boundaryWords = [
      modifiers.terminations,
      modifiers.conjunctions,
      modifiers.fillers,
      modifiers.numbers,
      modifiers.manyNumbers,
      modifiers.negators,
    ]
      .flatMap((g) => [...g.en, ...g.es])
      .flatMap(phraseWords);
    this.#lexicon = new Lexicon(conceptWords, [
      ...knownWords,
      ...modifierWords,
      ...boundaryWords,
      ...clinicalWords,
    ]);
  }

  /** True for an ordinary English or Spanish word (or one the hub's data uses). */
  isWord(token: string): boolean {
    return this.#lexicon.isWord(token);
  }

  /**
   * @param language the message's language when the caller knows it (the detector's guess otherwise):
   *   it decides whether a lower-case word that spells an abbreviation is the abbreviation
   */
  assess(normalized: NormalizedText, language?: Language): RedFlagAssessment {
    // Repaired words, each remembering the patient's word it came from, and its sentence.
    const words: string[] = [];
    const source: number[] = [];
    const sentenceOf: number[] = [];
    const original: string[] = [];
    normalized.segments.forEach((segment, sentence) => {
      for (const token of segment) {
        const at = original.length;
        original.push(token);
        for (const part of this.#lexicon.repair(token)) {
          words.push(part);
          source.push(at);
          sentenceOf.push(sentence);
        }
      }
    });
    const messageLanguage = language ?? detectLanguage(normalized.tokens);
    // In a message read as English, a word the concepts do not list in Spanish is an English word: its
    // Spanish stem would meet a Spanish concept word by chance ("babe" is the stem of "babeando",
    // drooling, in "hey babe can you grab milk"). Spanish spelled in an English message is still read
    // where the concepts list the word itself.
    const englishMessage = messageLanguage === 'en';
    const tokens: KeyedToken[] = words.map((w, i) => {
      const keys: string[] = [];
      // Written with an accent ("tía"), it is the word, never the abbreviation.
      if (this.#abbreviations.has(w) && normalized.accented[source[i]!] !== true) {
        if (readsAsAbbreviation(normalized.capitals[source[i]!] === true, messageLanguage, words[i - 1]))
          keys.push(abbreviationKey(w));
      }
      const english = this.#wordsOf.en.has(w);
      const spanish = this.#wordsOf.es.has(w);
      // Its English stem unless the concepts list it in Spanish only. Its Spanish stem where they list
      // it in Spanish, unless it is also an English concept word in a message read as English (there
      // its Spanish stem could meet another Spanish term by chance: "color", listed in Spanish for
      // "vómito color café", shares its stem with the dye word "colorante", which set aside "nails look
      // blue color"); or where they list it in neither language in a message not read as English.
      if (english || !spanish) keys.push(this.#keys.key(w, 'en'));
      if ((spanish && !(english && englishMessage)) || (!english && !englishMessage))
        keys.push(this.#keys.key(w, 'es'));
      const digits = /^\d+$/.test(w);
      if (digits || this.#numbers.has(w) || this.#manyWords.has(w)) keys.push(NUMBER_KEY);
      if ((digits && w.length <= 4 && Number(w) >= 10) || this.#manyWords.has(w)) keys.push(MANY_KEY);
      if (isYear(w)) keys.push(YEAR_KEY);
      for (const language of ['en', 'es'] as const)
        if (this.#negators[language].has(w)) keys.push(negatorKey(language));
      const token: KeyedToken = { keys, filler: this.#fillers.has(w) };
      const value = digits ? numberValue(w) : undefined;
      if (value !== undefined) token.value = value;
      return token;
    });

    // Every term-group occurrence, bucketed by where it ends (for matching) and listed by group (for `unless`).
    // Allocated on first use: most messages touch few of the groups and patterns, and this runs per message.
    const endingAt: (Occurrence[] | undefined)[] = new Array(tokens.length + 1);
    const startsOf = new Map<number, number[]>();
    let clinicalTerm: string | undefined;
    let distressTerm: string | undefined;
    let conceptTerm: ConceptTerm | undefined;
    const wordsOf = (start: number, end: number) =>
      original.slice(source[start], source[end - 1]! + 1).join(' ');
    for (let i = 0; i < tokens.length; i++) {
      if (clinicalTerm === undefined) {
        this.#clinicalTerms.scanAt(tokens, i, (_, end) => {
          clinicalTerm ??= wordsOf(i, end);
        });
      }
      if (distressTerm === undefined) {
        this.#distressTerms.scanAt(tokens, i, (_, end) => {
          distressTerm ??= wordsOf(i, end);
        });
      }
      this.#index.scanAt(tokens, i, (group, end) => {
        const category = this.#contentOf[group];
        if (category && conceptTerm?.category !== SELF_HARM && (!conceptTerm || category === SELF_HARM))
          conceptTerm = { phrase: wordsOf(i, end), category, group: this.#groupNames[group]! };
        let ending = endingAt[end];
        if (!ending) {
          ending = [];
          endingAt[end] = ending;
        }
        ending.push({ group, start: i, end });
        let starts = startsOf.get(group);
        if (!starts) {
          starts = [];
          startsOf.set(group, starts);
        }
        if (starts[starts.length - 1] !== i) starts.push(i);
      });
    }

    const context = this.#modifiers.read(tokens, sentenceOf);
    // Sentences that ask about a condition in general ("can anxiety make you feel like you cant breathe?").
    // A person after "a", "un" is anyone ("how much tylenol is an overdose for a child?"), unless the
    // message names someone in particular: "my son took the whole bottle, how much is an overdose for a
    // child?" asks about him.
    // A person word of the message's language; either language's when it is not known.
    const personLanguages: LexiconLanguage[] =
      messageLanguage === 'unknown' ? ['en', 'es'] : [messageLanguage];
    const isPerson = (w: string) => personLanguages.some((l) => this.#persons[l].has(w));
    const persons = (segment: readonly string[], anyone: boolean) =>
      segment.some((w, at) => isPerson(w) && (anyone || !INDEFINITE.has(segment[at - 1] ?? '')));
    const namesSomeone = normalized.segments.some((segment) => persons(segment, false));
    const generalQuestion = normalized.segments.map(
      (segment, i) =>
        normalized.questions[i] === true &&
        this.#questionOpeners.has(segment[0] ?? '') &&
        !persons(segment, namesSomeone),
    );
    const phraseOf = wordsOf;
    const acuityTrigger = liveAcuity(context);
    const acuity = acuityTrigger ? phraseOf(acuityTrigger.start, acuityTrigger.end) : undefined;

    const live: ConceptHit[] = [];
    // Live hits of signs that mean nothing alone: they count only when they compose (#composed).
    const signsOnly: ConceptHit[] = [];
    const dismissed: ConceptHit[] = [];
    const isLive = new Uint8Array(this.#concepts.length);
    const dismissedCount = new Uint8Array(this.#concepts.length);
    // lastSeen[pattern][slot]: the latest occurrence of that slot's group, so a match is checked in O(slots).
    const lastSeen = new Map<number, (Occurrence | undefined)[]>();
    for (let end = 1; end <= tokens.length; end++) {
      const ending = endingAt[end];
      if (!ending) continue;
      for (const occurrence of ending) {
        for (const { pattern: p, slot } of this.#usesOf[occurrence.group]!) {
          const pattern = this.#patterns[p]!;
          if (isLive[pattern.concept]) continue;
          let seen = lastSeen.get(p);
          if (!seen) {
            seen = new Array(pattern.groups.length);
            lastSeen.set(p, seen);
          }
          const previous = seen[slot];
          if (!previous || previous.start <= occurrence.start) seen[slot] = occurrence;
          let start = occurrence.start;
          let covered = 0;
          let complete = true;
          for (const o of seen) {
            if (!o) {
              complete = false;
              break;
            }
            if (o.start < start) start = o.start;
            covered += o.end - o.start;
          }
          if (!complete || end - start - covered > pattern.window) continue;
          const { unlessWindow } = pattern;
          if (
            pattern.unless.some((g) =>
              anyWithin(startsOf.get(g) ?? NONE, start - unlessWindow, end + unlessWindow),
            )
          )
            continue;
          // A negation inside the match speaks of one of its parts ("hit his head, no vomiting"): it
          // reaches that part as it would a concept of its own, unless it is itself part of the match.
          const slotNegation =
            seen.length > 1 ? context.negationInside(seen as Occurrence[], start) : undefined;
          const around = context.around(start, end);
          if (slotNegation && !around.found.negated) around.found.negated = slotNegation;
          // "Still" beside a history earlier in the sentence: the state goes on from that past event.
          if (
            around.found.persisting &&
            (around.found.historical || around.found.current || !context.historyEarlierInSentence(start))
          )
            delete around.found.persisting;
          const hit = this.#weigh(pattern.concept, around, acuity, phraseOf(start, end), phraseOf, [
            start,
            end,
          ]);
          const asked = sentenceOf[start]!;
          if (
            hit.dismissedBecause === undefined &&
            !acuity &&
            generalQuestion[asked] &&
            generalQuestion[sentenceOf[end - 1]!] &&
            this.#concepts[pattern.concept]!.category !== SELF_HARM
          ) {
            hit.dismissedBecause = `a question about the condition in general ("${normalized.segments[asked]!.join(' ')}?")`;
            hit.dismissedAs = 'hypothetical';
            delete hit.level;
          }
          if (hit.dismissedBecause === undefined) {
            isLive[pattern.concept] = 1;
            if (this.#composing.get(hit.concept)?.countsAlone === false) signsOnly.push(hit);
            else live.push(hit);
          } else if (dismissedCount[pattern.concept]! < MAX_DISMISSED_PER_CONCEPT) {
            dismissedCount[pattern.concept]!++;
            dismissed.push(hit);
          }
        }
      }
    }
    let level: ConceptLevel | null = null;
    for (const hit of live)
      if (level === null || LEVEL_RANK[hit.level!] > LEVEL_RANK[level]) level = hit.level!;
    // Two different red flags at once (jaw pain and feeling faint, a crash and numb legs) are what a
    // nurse sends to 911 even when neither alone would be.
    // Events told as done or going on for weeks are no pair: "my dad had a heart attack and my mom had
    // a stroke" is a family history, not two red flags now.
    const urgent = live.filter((h) => h.level === 'urgent' && !notAcuteHits.has(h));
    const separate = urgent.some((a) => urgent.some((b) => a.span[1] <= b.span[0]));
    // An event told as done, then a red flag said as happening now ("had a TIA yesterday and now he
    // cannot talk", "tuvo una convulsion ayer y ahora esta confundido"): a new sign after the event, not
    // its history. A history word dismisses the event itself, so only an undated event pairs so.
    const newAfterEvent = live.some(
      (event) =>
        event.level === 'urgent' &&
        toldAsDoneHits.has(event) &&
        urgent.some((sign) => nowHits.has(sign) && event.span[1] <= sign.span[0]),
    );
    if (level === 'urgent' && (separate || newAfterEvent)) {
      level = 'emergency';
      for (const hit of live) {
        if (hit.level !== 'urgent') continue;
        hit.level = 'emergency';
        hit.notes.push('with another red flag in the same message: emergency');
      }
    }
    if (this.#composed(live, signsOnly)) level = 'emergency';
    const raisedByAcuity = live.some((h) => h.notes.some((n) => n.startsWith('acuity')));
    return {
      level,
      live,
      dismissed,
      signs: signsOnly.filter((h) => !live.includes(h)),
      ...(raisedByAcuity && acuity ? { acuity } : {}),
      ...(clinicalTerm !== undefined ? { clinicalTerm } : {}),
      ...(conceptTerm !== undefined ? { conceptTerm } : {}),
      ...(distressTerm !== undefined ? { distressTerm } : {}),
    };

    function anyWithin(starts: readonly number[], from: number, to: number): boolean {
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      return lo < starts.length && starts[lo]! < to;
    }
  }

  /**
   * Signs that combine (`composes` in the concept files), each in its own words: a danger sign or an
   * exposure beside any red flag that counts alone ("severe belly pain and she looks grey", "took 8 of
   * his pain pills, nodding off"); two warning signs of one category ("sent me a goodbye, not answering
   * her phone"). Both parts become emergencies and live (a sign that means nothing alone joins `live`
   * only here). A course of weeks, or an event told as done, raises nothing. Returns whether anything
   * was raised.
   */
  #composed(live: ConceptHit[], signs: ConceptHit[]): boolean {
    const acute = [...live, ...signs].filter((h) => !notAcuteHits.has(h));
    let raised = false;
    for (const sign of acute) {
      const rule = this.#composing.get(sign.concept);
      if (!rule || rule.composes === 'none') continue;
      const partner = acute.find((other) => {
        if (other.concept === sign.concept || overlaps(sign.span, other.span)) return false;
        // A sign that composes with nothing is no partner either (see the constructor).
        if (this.#composing.get(other.concept)?.composes === 'none') return false;
        if (rule.composes === 'category') return other.category === sign.category;
        if (rule.composes === 'sign') {
          const partnerRule = this.#composing.get(other.concept);
          return (
            other.category === sign.category && partnerRule?.composes === 'any' && partnerRule.countsAlone
          );
        }
        return this.#composing.get(other.concept)?.countsAlone ?? true;
      });
      if (!partner) continue;
      raised = true;
      for (const [hit, beside] of [
        [sign, partner],
        [partner, sign],
      ] as const) {
        if (hit.level === 'emergency' && live.includes(hit)) continue;
        hit.level = 'emergency';
        hit.notes.push(`with "${beside.phrase}" in the same message: emergency`);
        if (!live.includes(hit)) live.push(hit);
      }
    }
    return raised;
  }

  #weigh(
    index: number,
    around: ReturnType<MessageContext['around']>,
    acuity: string | undefined,
    phrase: string,
    phraseOf: (start: number, end: number) => string,
    span: [number, number],
  ): ConceptHit {
    const { category, definition } = this.#concepts[index]!;
    const base = {
      category,
      concept: definition.name,
      label: definition.label,
      phrase,
      span,
      ...(definition.besideOptOut ? { besideOptOut: definition.besideOptOut } : {}),
    };
    const found = around.found;
    const notes: string[] = [];
    // Time and hypothesis lower a concept; who it happens to does not (a parent about a child, now).
    const current = found.current;
    for (const { kind, why } of DISMISSING) {
      const trigger = found[kind];
      if (!trigger) continue;
      // "Had a stroke years ago, now my face droops": a past event recurring now. A resolution is
      // undone only by what is said after it ("it stopped but it is back"), not by "an hour ago".
      // A figure of speech never dismisses an absolute concept: "i want to die lol" is still read as meant.
      if (kind === 'figurative' && definition.absolute) continue;
      if (kind === 'historical' && (current || found.recurrent)) continue;
      if (kind === 'resolved' && found.recurrent && found.recurrent.start > trigger.start) continue;
      if (kind === 'resolved' && definition.lingers && !trigger.endsIngestion) {
        notes.push(
          `"${phraseOf(trigger.start, trigger.end)}" does not end it: what was swallowed still acts, whatever the patient feels`,
        );
        continue;
      }
      return {
        ...base,
        notes,
        dismissedBecause: why(phraseOf(trigger.start, trigger.end)),
        dismissedAs: kind,
      };
    }
    // "What if I just drove my car off the bridge": a hypothesis about one's own death is not a question
    // about a condition. A concept that says so (`ownHypothetical`) counts at that level at most; any
    // other is dismissed as a hypothesis is ("what if I hurt myself at the gym").
    const own = found.self_hypothetical;
    if (own && definition.ownHypothetical === undefined) {
      return {
        ...base,
        notes,
        dismissedBecause: `a question or hypothesis about the condition ("${phraseOf(own.start, own.end)}")`,
        dismissedAs: 'hypothetical',
      };
    }
    if (found.experiencer) {
      const who = phraseOf(found.experiencer.start, found.experiencer.end);
      notes.push(`about someone else ("${who}"), happening now: counted`);
    }
    if (found.historical && (current || found.recurrent))
      notes.push('past history mentioned, but it is happening again now');
    if (found.resolved && !(definition.lingers && !found.resolved.endsIngestion))
      notes.push('it had stopped, but it is back');
    let level: ConceptLevel = definition.alone;
    // Weeks of slowly worsening breathlessness are not an acute event: a chronic course keeps an
    // acuity word from raising the concept, and lowers one that is an emergency only when acute.
    const chronic = found.chronic;
    if (acuity && level !== 'emergency' && !chronic) {
      level = 'emergency';
      notes.push(`acuity ("${acuity}") raises ${definition.alone} to emergency`);
    } else if ((found.mild || chronic) && level === 'emergency' && !definition.absolute && !acuity) {
      level = 'urgent';
      notes.push(
        chronic
          ? 'going on for weeks or longer: urgent, not an emergency'
          : 'described as mild: urgent, not an emergency',
      );
    } else if (
      found.past_event &&
      level === 'emergency' &&
      !definition.absolute &&
      !acuity &&
      !current &&
      !found.recurrent
    ) {
      // "A kid at school had a seizure", "my neighbor had a heart attack": a named event told as done,
      // with no time that puts it now ("just had", "10 minutes ago", "today") and no acuity, is for a
      // nurse today, not 911. Never dismissed: a first seizure yesterday still needs a call back.
      level = 'urgent';
      notes.push(
        `told as a past event ("${phraseOf(found.past_event.start, found.past_event.end)}"), not said to be happening now: urgent`,
      );
    } else if (
      found.persisting &&
      level === 'emergency' &&
      !definition.absolute &&
      !acuity &&
      !found.recurrent
    ) {
      level = 'urgent';
      notes.push(
        `goes on from a past event told earlier ("${phraseOf(found.persisting.start, found.persisting.end)}"): urgent`,
      );
    } else if (chronic && acuity && level !== 'emergency') {
      notes.push(`"${acuity}" over weeks or longer is not an acute event: not raised`);
    }
    // Said after the statement ("I want to die, what if I told my wife") it hypothesizes something else.
    if (
      own &&
      definition.ownHypothetical &&
      own.end <= span[0] &&
      LEVEL_RANK[level] > LEVEL_RANK[definition.ownHypothetical]
    ) {
      level = definition.ownHypothetical;
      notes.push(
        `a first-person hypothesis about one's own death ("${phraseOf(own.start, own.end)}"), no method named: ${level}`,
      );
    } else if (own) {
      notes.push(
        `a first-person hypothesis about one's own death ("${phraseOf(own.start, own.end)}"): counted`,
      );
    }
    const hit: ConceptHit = { ...base, level, notes };
    const toldAsDone = found.past_event && !acuity && !current && !found.recurrent;
    // A symptom said to be mild ("a little dizzy", "a bit sore") is no serious presentation.
    const mildSymptom = found.mild && this.#composing.get(definition.name)?.composes === 'sign';
    if (chronic || toldAsDone || mildSymptom) notAcuteHits.add(hit);
    if (toldAsDone && !chronic) toldAsDoneHits.add(hit);
    if (current && !chronic && !found.past_event) nowHits.add(hit);
    return hit;
  }
}

// A concept phrase that opens with a possessive speaks of anyone's: "my dog" given away is also "his
// dog", "her things"; "mi perro" is also "su perro". Patients write about others as often as about
// themselves (experiencer), and a list cannot spell every person.
const POSSESSIVES: Record<LexiconLanguage, readonly string[]> = {
  en: ['my', 'his', 'her', 'their', 'your', 'our'],
  es: ['mi', 'su', 'tu', 'mis', 'sus', 'tus'],
};

function withAnyPossessive(phrases: readonly string[], language: LexiconLanguage): string[] {
  const out = new Set<string>();
  for (const phrase of phrases) {
    out.add(phrase);
    const space = phrase.indexOf(' ');
    const first = space === -1 ? '' : phrase.slice(0, space);
    if (!POSSESSIVES[language].includes(first)) continue;
    const rest = phrase.slice(space);
    // Spanish keeps number: "mis cosas" is also "sus cosas", never "su cosas".
    const plural = language === 'es' ? first.endsWith('s') : undefined;
    for (const other of POSSESSIVES[language]) {
      if (plural !== undefined && other.endsWith('s') !== plural) continue;
      out.add(`${other}${rest}`);
    }
  }
  return [...out];
}

// A person after an indefinite article is anyone, no one in particular: "how much tylenol is an overdose
// for a child?", "para un niño" ask about a dose in general, as "for children" does (see assess).
const INDEFINITE = new Set(['a', 'an', 'any', 'un', 'una', 'cualquier', 'algun']);

// A term written in capitals in the concept files is an abbreviation that spells an ordinary word: "TIA"
// (a mini stroke) is the Spanish "tía" (aunt) unaccented.
const ABBREVIATION = /^[A-Z]{2,}$/;
// Words after which an abbreviation's word is the ordinary word: "mi tia", "la tia", "my tia" (aunt).
const DETERMINERS = new Set([
  ...POSSESSIVES.en,
  ...POSSESSIVES.es,
  'la',
  'las',
  'una',
  'unas',
  'esa',
  'esta',
  'nuestra',
  'vuestra',
]);

/**
 * Whether a patient's word that spells an abbreviation of the concept files is the abbreviation. Written
 * in capitals where the message also has lower case ("my dad had a TIA"), the capitals say so, in any
 * language. Otherwise (lower case, or a message all in capitals) it is the ordinary word in a Spanish
 * message ("la receta del flan de mi tia") or after a possessive or article ("my tia", "la tia"), and
 * the abbreviation elsewhere ("he had a tia last year").
 */
function readsAsAbbreviation(capitals: boolean, language: Language, previous: string | undefined): boolean {
  if (capitals) return true;
  return language !== 'es' && (previous === undefined || !DETERMINERS.has(previous));
}

// Hits that have gone on for weeks or are told as a past event: no sign raises them (see #composed).
const notAcuteHits = new WeakSet<ConceptHit>();
// Named events told as done ("had a TIA") and red flags with a time that puts them now ("and now").
const toldAsDoneHits = new WeakSet<ConceptHit>();
const nowHits = new WeakSet<ConceptHit>();

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[1] && b[0] < a[1];
}

/**
 * The first acuity signal of the message that is not itself denied ("not severe", "no sudden") nor
 * spread over days ("gotten worse over a week").
 */
function liveAcuity(context: MessageContext): TriggerHit | undefined {
  return context.triggers.find(
    (t) => t.kind === 'acuity' && !context.isNegatedTrigger(t) && !context.isChronicTrigger(t),
  );
}
