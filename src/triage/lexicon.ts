import { readFileSync } from 'node:fs';
import { distance } from 'fastest-levenshtein';

// Shortest token the typo fixer touches: below this almost every string is a word in some language.
const MIN_CORRECTABLE = 4;
// A long word tolerates two slips ("unconcious" -> "unconscious"), a short one only one.
const LONG_WORD = 7;
const MIN_SPLIT_PART = 3;
const CACHE_LIMIT = 50_000;

let dictionary: ReadonlySet<string> | undefined;

/**
 * Every English and Spanish word of the installed word lists (an-array-of-english-words,
 * an-array-of-spanish-words: about 900,000 words, ~1 s and ~60 MB once per process), accents removed as
 * the normalizer removes them. Loaded on first use: only a token that is already a near miss of a
 * concept word needs it, so a process that never sees a misspelling never pays for it.
 */
export function dictionaryWords(): ReadonlySet<string> {
  if (!dictionary) {
    const words = new Set<string>();
    for (const pkg of ['an-array-of-english-words/index.json', 'an-array-of-spanish-words/index.json']) {
      const list = JSON.parse(readFileSync(require.resolve(pkg), 'utf8')) as string[];
      for (const word of list) words.add(stripAccents(word));
    }
    dictionary = words;
  }
  return dictionary;
}

function stripAccents(word: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: only combining marks are removed
  return /[^\u0000-\u007f]/.test(word) ? word.normalize('NFKD').replace(/\p{M}+/gu, '') : word;
}

/**
 * Repairs the two SMS slips that hide a red flag, and nothing else:
 * - run-together words ("chestpain", "cantbreathe") are split when both halves are words and one of
 *   them belongs to a red-flag concept;
 * - a misspelling ("breth", "siezure", "unconcious") is mapped onto the nearest concept word within a
 *   bounded edit distance, keeping the first letter.
 * A token that is a word of English or Spanish (or one the intents use) is never changed: an ordinary
 * word one letter away from a symptom ("strike", "hart", "choking" for "cooking") stays what it is.
 */
export class Lexicon {
  readonly #conceptWords: string[];
  readonly #conceptSet: Set<string>;
  readonly #dictionary: () => ReadonlySet<string>;
  readonly #extraKnown: Set<string>;
  readonly #cache = new Map<string, readonly string[]>();

  /**
   * @param conceptWords the words of the red-flag concepts: the only targets of a correction
   * @param knownWords words the hub reads that the dictionaries lack ("dont", "im", "kms"): never corrected
   */
  constructor(
    conceptWords: Iterable<string>,
    knownWords: Iterable<string>,
    dictionary: () => ReadonlySet<string> = dictionaryWords,
  ) {
    this.#conceptSet = new Set([...conceptWords].filter((w) => /^[a-z]+$/.test(w)));
    this.#conceptWords = [...this.#conceptSet].filter((w) => w.length >= MIN_CORRECTABLE);
    this.#dictionary = dictionary;
    this.#extraKnown = new Set(knownWords);
  }

  /** A word the hub itself uses (concepts, modifiers, intent examples): cheap, no dictionary. */
  #isOwnWord(token: string): boolean {
    return this.#extraKnown.has(token) || this.#conceptSet.has(token);
  }

  isWord(token: string): boolean {
    return this.#isOwnWord(token) || this.#dictionary().has(token);
  }

  /** The token as the concepts should read it: itself, its two halves, or its correction. */
  repair(token: string): readonly string[] {
    const cached = this.#cache.get(token);
    if (cached) return cached;
    const repaired = this.#repair(token);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(token, repaired);
    return repaired;
  }

  #repair(token: string): readonly string[] {
    if (token.length < MIN_CORRECTABLE || !/^[a-z]+$/.test(token) || this.#isOwnWord(token)) return [token];
    const split = this.#split(token);
    if (split) return split;
    // The dictionary is asked last, and only about a token that would otherwise be corrected.
    const corrected = this.#nearestConceptWord(token);
    return corrected === null || this.#dictionary().has(token) ? [token] : [corrected];
  }

  // Both halves must be words of the hub's own data and one of them a concept word: "chest"+"pain",
  // "cant"+"breathe"; an ordinary compound ("sometimes", "breakfast") is in the dictionary and stays.
  #split(token: string): [string, string] | null {
    for (let k = MIN_SPLIT_PART; k <= token.length - MIN_SPLIT_PART; k++) {
      const left = token.slice(0, k);
      const right = token.slice(k);
      if (!(this.#conceptSet.has(left) || this.#conceptSet.has(right))) continue;
      if (this.#isOwnWord(left) && this.#isOwnWord(right) && !this.#dictionary().has(token))
        return [left, right];
    }
    return null;
  }

  #nearestConceptWord(token: string): string | null {
    const limit = token.length >= LONG_WORD ? 2 : 1;
    let best: string | null = null;
    let bestDistance = limit + 1;
    for (const word of this.#conceptWords) {
      if (word[0] !== token[0] || Math.abs(word.length - token.length) > limit) continue;
      const d = isAdjacentSwap(token, word) ? 1 : distance(token, word);
      if (d < bestDistance) {
        best = word;
        bestDistance = d;
      }
    }
    return best;
  }
}

/** "siezure" for "seizure": one slip to a person, two edits to Levenshtein. */
function isAdjacentSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}
