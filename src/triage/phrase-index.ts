import { type NumberRange, parseRange, RANGE_WORD, rangeKey } from './term-syntax';
import { normalizeText } from './text-normalizer';
import type { LexiconLanguage, WordKeys } from './word-keys';

/** One word of a message as phrases see it: its stems in both languages, and what kind of word it is. */
export interface KeyedToken {
  keys: readonly string[];
  /** "my", "the", "la", "se": skipped inside a phrase ("took [the] whole bottle"). */
  filler: boolean;
  /** The number it is written as in digits, for a range word of a phrase (`{180-300}`); see numberValue. */
  value?: number;
}

/** Matches `#` in a phrase: digits or a number word. */
export const NUMBER_KEY = '#';
/** Matches `##`: a number of ten or more ("took 30 pills", "a dozen"). */
export const MANY_KEY = '##';
/** Matches `####`: a year ("in 2015"). */
export const YEAR_KEY = '####';
/**
 * The key of an abbreviation written in capitals in the concept files ("TIA"): it spells an ordinary
 * word ("tía", aunt), so a message's word carries it only where it reads as the abbreviation (see
 * RedFlagEngine).
 */
export function abbreviationKey(word: string): string {
  return `^${word}`;
}
/** Matches `~`: a word that denies ("not", "isnt", "wont", "never"): see `negators` in modifiers.yaml. */
export const NEGATOR_KEY = '~';
// Placeholders that survive normalization where a phrase says `####`, `##` or `#`.
const PLACEHOLDERS: [string, string][] = [
  [YEAR_KEY, 'qqyearqq'],
  [MANY_KEY, 'qqmanyqq'],
  [NUMBER_KEY, 'qqnumberqq'],
  [NEGATOR_KEY, 'qqnegatorqq'],
];
// Stands for a range word while a phrase is normalized (its braces and hyphen would not survive).
const RANGE_PLACEHOLDER = 'qqrangeqq';
// Fillers skipped in a row inside one phrase; more than this and the words no longer belong together.
const MAX_SKIPPED = 2;
export const MAX_PHRASE_WORDS = 8;

interface TrieNode<P> {
  next: Map<string, TrieNode<P>>;
  /** Edges taken by a number within a range, beside the exact-key edges of `next`. */
  ranges?: RangeEdge<P>[];
  payloads: P[];
}

interface RangeEdge<P> extends NumberRange {
  node: TrieNode<P>;
}

/** The words of a phrase as written in the YAML, normalized as a message is, `#` kept. */
// Phrases repeat across groups and files, and normalizing one is a dozen regex passes: once each.
const phraseWordsCache = new Map<string, readonly string[]>();

export function phraseWords(phrase: string): readonly string[] {
  let words = phraseWordsCache.get(phrase);
  if (!words) {
    words = normalizePhrase(phrase);
    phraseWordsCache.set(phrase, words);
  }
  return words;
}

function normalizePhrase(phrase: string): string[] {
  // Ranges first: each becomes a placeholder word, given back in order as its canonical key.
  const ranges: string[] = [];
  let text = phrase
    .split(' ')
    .map((word) => {
      const range = parseRange(word);
      if (!range) return word;
      ranges.push(rangeKey(range));
      return ` ${RANGE_PLACEHOLDER} `;
    })
    .join(' ');
  for (const [key, placeholder] of PLACEHOLDERS) text = text.replaceAll(key, ` ${placeholder} `);
  let nextRange = 0;
  return normalizeText(text).tokens.map((w) =>
    w === RANGE_PLACEHOLDER ? ranges[nextRange++]! : (PLACEHOLDERS.find(([, p]) => p === w)?.[0] ?? w),
  );
}

/** Whether a word of a phrase (from phraseWords) is a range, `{180-300}`, rather than a word to stem. */
export function isRangeWord(word: string): boolean {
  return RANGE_WORD.test(word);
}

/** The key `~` reads in one language: an English phrase's `~` never matches the Spanish "no". */
export function negatorKey(language: LexiconLanguage): string {
  return `${language}${NEGATOR_KEY}`;
}

/** Whether a word is a year, for `####`. */
export function isYear(word: string): boolean {
  return /^(19|20)\d\d$/.test(word);
}

/**
 * A trie of phrases over word stems. `scanAt` costs at most a bounded walk (phrase length, skipped
 * fillers) from one position, so scanning every position of a message is linear in its length.
 */
export class PhraseIndex<P> {
  readonly #root: TrieNode<P> = { next: new Map(), payloads: [] };

  constructor(
    private readonly keys: WordKeys,
    private readonly isFiller: (word: string) => boolean,
  ) {}

  /**
   * Adds a phrase. A message may put filler words between its words ("took the whole bottle" for
   * "took whole bottle") or leave out a filler inside the phrase ("fell off ladder" for "fell off a
   * ladder"). Its first and last words are always required: "kill him" never reads as "kill", nor the
   * Spanish "se paro" (it stopped) as "paro", whose stem is that of "para" (for).
   */
  add(phrase: string, language: LexiconLanguage, payload: P): void {
    const words = phraseWords(phrase);
    if (words.length === 0 || words.length > MAX_PHRASE_WORDS) {
      throw new Error(`phrase "${phrase}" must have 1 to ${MAX_PHRASE_WORDS} words`);
    }
    const optional = words.flatMap((w, i) => (i > 0 && i < words.length - 1 && this.isFiller(w) ? [i] : []));
    // Every combination of the optional fillers, bounded: a phrase has few of them.
    const combinations = 1 << Math.min(optional.length, 4);
    for (let mask = 0; mask < combinations; mask++) {
      const drop = new Set(optional.filter((_, bit) => mask & (1 << bit)));
      this.#insert(
        words.filter((_, i) => !drop.has(i)),
        language,
        payload,
      );
    }
  }

  /** Adds a one-word abbreviation ("TIA"), matched only by a token given its abbreviationKey. */
  addAbbreviation(word: string, payload: P): void {
    this.#insertKeys([abbreviationKey(word)], payload);
  }

  #insert(kept: readonly string[], language: LexiconLanguage, payload: P): void {
    this.#insertKeys(
      kept.map((word) =>
        word === NEGATOR_KEY
          ? negatorKey(language)
          : PLACEHOLDERS.some(([k]) => k === word) || isRangeWord(word)
            ? word
            : this.keys.key(word, language),
      ),
      payload,
    );
  }

  #insertKeys(keys: readonly string[], payload: P): void {
    let node = this.#root;
    for (const key of keys) {
      const range = parseRange(key);
      if (range) {
        node.ranges ??= [];
        let edge = node.ranges.find((r) => r.low === range.low && r.high === range.high);
        if (!edge) {
          edge = { ...range, node: { next: new Map(), payloads: [] } };
          node.ranges.push(edge);
        }
        node = edge.node;
        continue;
      }
      let child = node.next.get(key);
      if (!child) {
        child = { next: new Map(), payloads: [] };
        node.next.set(key, child);
      }
      node = child;
    }
    if (!node.payloads.includes(payload)) node.payloads.push(payload);
  }

  /**
   * Calls `visit` for every phrase that starts at `start`, with the index after its last word and
   * whether the message put filler words between the phrase's words to match it (`loose`).
   */
  scanAt(
    tokens: readonly KeyedToken[],
    start: number,
    visit: (payload: P, end: number, loose: boolean) => void,
  ): void {
    this.#walk(this.#root, tokens, start, 0, false, visit);
  }

  /** The token at `at` led to `child`: the phrases ending there, then those going on. */
  #enter(
    child: TrieNode<P>,
    tokens: readonly KeyedToken[],
    at: number,
    loose: boolean,
    visit: (payload: P, end: number, loose: boolean) => void,
  ): void {
    for (const payload of child.payloads) visit(payload, at + 1, loose);
    if (child.next.size > 0 || child.ranges) this.#walk(child, tokens, at + 1, 0, loose, visit);
  }

  #walk(
    node: TrieNode<P>,
    tokens: readonly KeyedToken[],
    at: number,
    skipped: number,
    loose: boolean,
    visit: (payload: P, end: number, loose: boolean) => void,
  ): void {
    const token = tokens[at];
    if (!token) return;
    for (const key of token.keys) {
      const child = node.next.get(key);
      if (child) this.#enter(child, tokens, at, loose, visit);
    }
    const { value } = token;
    if (value !== undefined && node.ranges) {
      for (const edge of node.ranges)
        if (edge.low <= value && value <= edge.high) this.#enter(edge.node, tokens, at, loose, visit);
    }
    if (node !== this.#root && token.filler && skipped < MAX_SKIPPED) {
      this.#walk(node, tokens, at + 1, skipped + 1, true, visit);
    }
  }
}
