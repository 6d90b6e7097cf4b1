import type { RedFlagCategory } from './intent-schema';
import type { NormalizedText } from './text-normalizer';

export interface RedFlagHit {
  category: string;
  label: string;
  phrase: string;
}

export interface DismissedRedFlag extends RedFlagHit {
  /** Why the phrase was not treated as an emergency, e.g. `negated by "no"`. */
  why: string;
}

export interface RedFlagScan {
  hits: RedFlagHit[];
  dismissed: DismissedRedFlag[];
}

// Words that end one claim and start another: a negation before them does not reach past them
// ("no fever but crushing chest pain").
const CLAUSE_BREAKS = new Set([
  'but',
  'pero',
  'however',
  'though',
  'tho',
  'although',
  'aunque',
  'and',
  'y',
  'plus',
  'sino',
  'except',
  'also',
  'ademas',
]);

const NEGATIONS = new Set([
  'no',
  'not',
  'never',
  'without',
  'dont',
  'doesnt',
  'didnt',
  'denies',
  'deny',
  'denied',
  'havent',
  'hasnt',
  'hadnt',
  'isnt',
  'arent',
  'wasnt',
  'werent',
  'aint',
  'nor',
  'none',
  'neither',
  'negative',
  'nunca',
  'sin',
  'ni',
  'tampoco',
  'jamas',
  'niega',
  'nada',
]);
// A pattern that already says "can't", "won't stop", "no puedo" describes the emergency itself;
// negation and resolution checks would only ever wrongly cancel it ("I don't want to live anymore").
const INHERENTLY_NEGATIVE = new Set([...NEGATIONS, 'cant', 'cannot', 'couldnt', 'wont', 'unable', 'anymore']);

// "not sure if", "no se si", "dont know if": doubt, not denial.
const PSEUDO_NEGATION_NEXT = new Set([
  'sure',
  'certain',
  'know',
  'idea',
  'se',
  'sabemos',
  'estoy',
  'just',
  'only',
  'solo',
]);

const NEGATION_WINDOW = 4;

// Said after the symptom: it is over. Checked only when not itself negated ("hasn't stopped").
const RESOLUTION_AFTER = [
  /^(stopped|has stopped|went away|gone|is gone|its gone|resolved|anymore|any more|is over|passed|is better|got better|fine now|better now|ok now|okay now|subsided|se quito|se me quito|ya paso|se paso|paro|se paro|se detuvo|desaparecio|ya se fue|se fue|se calmo|ya esta bien|ya estoy bien)\b/,
];
// Words that may sit between a clause break and a resolution: "and it's gone", "pero ya se me quito".
const RESOLUTION_FILLERS = new Set([
  'it',
  'its',
  'that',
  'this',
  'now',
  'has',
  'is',
  'all',
  'ya',
  'eso',
  'lo',
  'then',
  'i',
  'am',
  'feel',
  'feeling',
]);
const HISTORY_BEFORE = /\b(history of|hx of|h o|antecedentes de|historial de|historia de)\s*$/;
const HISTORY_AFTER =
  /\b(years? ago|months? ago|last year|in (19|20)\d\d|back in|hace (\d+ |unos |muchos |varios )?(anos|meses)|el ano pasado)\b/;

interface CompiledCategory {
  category: string;
  label: string;
  regex: RegExp;
}

export class RedFlagRules {
  private readonly categories: CompiledCategory[];
  private readonly vocabulary: string[];
  private readonly protectedWords: Set<string>;
  private readonly corrections = new Map<string, string | null>();

  /**
   * @param categories red-flag lexicon from the emergency intent file (patterns over normalized text)
   * @param knownWords ordinary words seen in non-emergency examples; never "corrected" into red-flag words
   */
  constructor(categories: readonly RedFlagCategory[], knownWords: Iterable<string>) {
    this.categories = categories.map((c) => ({
      category: c.category,
      label: c.label,
      // One alternation per category keeps the scan to a dozen regex passes per message.
      regex: new RegExp(`(?<![\\p{L}\\p{N}])(?:${[...c.en, ...c.es].join('|')})(?![\\p{L}\\p{N}])`, 'gu'),
    }));
    const vocabulary = new Set<string>();
    for (const c of categories) {
      for (const source of [...c.en, ...c.es]) {
        for (const word of source.replace(/\\[a-z]/gi, ' ').match(/[a-z]{5,}/g) ?? []) vocabulary.add(word);
      }
    }
    this.vocabulary = [...vocabulary];
    this.protectedWords = new Set([...knownWords, ...vocabulary]);
  }

  /** Finds red-flag phrases, separating live ones from negated, resolved or historical ones. */
  scan(normalized: NormalizedText): RedFlagScan {
    const hits: RedFlagHit[] = [];
    const dismissed: DismissedRedFlag[] = [];
    for (const segment of normalized.segments) {
      // Matching runs over the whole segment so that a pattern may span "and" ("pregnant and bleeding");
      // the clause breaks only limit how far a negation or a resolution reaches.
      const tokens = segment.map((t) => this.correct(t));
      const text = tokens.join(' ');
      for (const category of this.categories) {
        category.regex.lastIndex = 0;
        for (const match of text.matchAll(category.regex)) {
          const start = countSpaces(text, match.index);
          const end = start + countSpaces(match[0], match[0].length) + 1;
          // Report what the patient wrote, not the spelling-corrected form.
          const hit = {
            category: category.category,
            label: category.label,
            phrase: segment.slice(start, end).join(' '),
          };
          const why = dismissal(tokens, start, end);
          if (why === null) hits.push(hit);
          else dismissed.push({ ...hit, why });
        }
      }
    }
    return { hits, dismissed };
  }

  /** Maps an SMS misspelling of a red-flag word ("chst", "breth", "suicidle") onto that word. */
  private correct(token: string): string {
    if (token.length < 4 || this.protectedWords.has(token) || !/^[a-z]+$/.test(token)) return token;
    let cached = this.corrections.get(token);
    if (cached === undefined) {
      cached = null;
      for (const word of this.vocabulary) {
        if (word[0] === token[0] && isNearMiss(token, word)) {
          cached = word;
          break;
        }
      }
      // Bounded so that a stream of junk cannot grow memory without limit.
      if (this.corrections.size > 50_000) this.corrections.clear();
      this.corrections.set(token, cached);
    }
    return cached ?? token;
  }
}

function countSpaces(text: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 32) n++;
  return n;
}

function dismissal(tokens: string[], start: number, end: number): string | null {
  const matched = tokens.slice(start, end);
  if (matched.some((t) => INHERENTLY_NEGATIVE.has(t))) return null;
  let clauseStart = start;
  while (clauseStart > 0 && !CLAUSE_BREAKS.has(tokens[clauseStart - 1]!)) clauseStart--;
  let clauseEnd = end;
  while (clauseEnd < tokens.length && !CLAUSE_BREAKS.has(tokens[clauseEnd]!)) clauseEnd++;
  for (let i = Math.max(clauseStart, start - NEGATION_WINDOW); i < start; i++) {
    const token = tokens[i]!;
    if (NEGATIONS.has(token) && !PSEUDO_NEGATION_NEXT.has(tokens[i + 1] ?? ''))
      return `negated by "${token}"`;
  }
  if (HISTORY_BEFORE.test(tokens.slice(clauseStart, start).join(' ')))
    return 'past history, not a current symptom';
  const after = tokens.slice(end, clauseEnd);
  if (HISTORY_AFTER.test(after.join(' '))) return 'past history, not a current symptom';
  // "the bleeding stopped", or right after a break: "... and it went away", "pero ya se me quito".
  let resolution = findResolution(after);
  if (resolution === null && clauseEnd < tokens.length) {
    let next = clauseEnd + 1;
    while (next < tokens.length && RESOLUTION_FILLERS.has(tokens[next]!)) next++;
    resolution = findResolution(tokens.slice(next, next + 4), true);
  }
  return resolution === null ? null : `resolved ("${resolution}")`;
}

function findResolution(tokens: string[], atStartOnly = false): string | null {
  for (let i = 0; i < (atStartOnly ? Math.min(1, tokens.length) : tokens.length); i++) {
    const rest = tokens.slice(i).join(' ');
    for (const cue of RESOLUTION_AFTER) {
      const m = cue.exec(rest);
      if (!m) continue;
      const previous = tokens.slice(Math.max(0, i - 2), i);
      if (previous.some((t) => INHERENTLY_NEGATIVE.has(t) || t === 'never')) return null;
      return m[0];
    }
  }
  return null;
}

/**
 * Optimal-string-alignment distance ≤ 1 (≤ 2 for long words); a 4-letter token may only be missing a letter.
 * A same-length single substitution is refused: it turns real words into red-flag words ("strike" -> "stroke")
 * far more often than it fixes a typo, while dropped, doubled and swapped letters are the common SMS slips.
 */
function isNearMiss(token: string, word: string): boolean {
  const diff = word.length - token.length;
  if (token.length === 4) return diff === 1 && osaDistance(token, word, 1) <= 1;
  if (diff === 0 && word.length < 9 && !isTransposition(token, word)) return false;
  const limit = word.length >= 9 ? 2 : 1;
  if (Math.abs(diff) > limit) return false;
  return osaDistance(token, word, limit) <= limit;
}

function isTransposition(a: string, b: string): boolean {
  const diffs: number[] = [];
  for (let i = 0; i < a.length && diffs.length <= 2; i++) if (a[i] !== b[i]) diffs.push(i);
  const [i, j] = diffs;
  return diffs.length === 2 && j === i! + 1 && a[i!] === b[j!] && a[j!] === b[i!];
}

function osaDistance(a: string, b: string, limit: number): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return rowMin;
  }
  return d[rows * cols - 1]!;
}
