/**
 * The two ways a term of the concept and modifier files states a rule once instead of listing its
 * cases (see `term` in concept-schema.ts):
 * - a numeric range, `{180-300}`: one word of a phrase that any number written in digits within the
 *   range fills ("bp 190/125", "sats 88%"). Matched where the phrase is matched (phrase-index.ts), so
 *   a range of 120 values costs one edge of the phrase trie, not 120 phrases.
 * - a template with alternatives, `[going to hurt|gonna hurt] [him|his teacher]`: every combination,
 *   one alternative from each bracket in turn, is a phrase of its own. Expanded when the file is read,
 *   so the matcher sees exactly the phrases a list would have spelled out.
 */

/** A range word as written and as keyed in a phrase: `{low-high}`, whole numbers. */
export const RANGE_WORD = /^\{(\d{1,9})-(\d{1,9})\}$/;
const BRACKET = /\[([^[\]]*)\]/g;
const SYNTAX_CHARS = /[[\]|{}]/;
// A bracket expands to its alternatives times the others': a slip (a stray `|`) must not read a file
// into tens of thousands of phrases, and no rule of the data needs more.
export const MAX_TEMPLATE_PHRASES = 1_000;
/** A phrase, once any template is expanded. */
export const MAX_PHRASE_CHARS = 80;

export interface NumberRange {
  low: number;
  high: number;
}

/** The range a word of a phrase stands for, or null when it is an ordinary word. */
export function parseRange(word: string): NumberRange | null {
  const m = RANGE_WORD.exec(word);
  return m ? { low: Number(m[1]), high: Number(m[2]) } : null;
}

/** The one key a range is stored and matched under: `{180-300}` however its digits were written. */
export function rangeKey({ low, high }: NumberRange): string {
  return `{${low}-${high}}`;
}

/**
 * The whole number a word of a message spells in digits, for ranges; undefined otherwise. Only as a
 * number is written ("90", never "090"), as a literal "90" in a phrase only ever read "90".
 */
export function numberValue(word: string): number | undefined {
  if (word.length > 9 || !/^(0|[1-9]\d*)$/.test(word)) return undefined;
  return Number(word);
}

/** Every phrase a term stands for: itself, or each combination of its brackets' alternatives. */
export function expandTemplate(term: string): string[] {
  // Most terms are plain phrases: the catalog holds thousands, read at every start.
  if (!term.includes('[')) return [term];
  const parts = term.split(BRACKET);
  // split with one capture group: even indexes are literal text, odd ones the brackets' insides.
  let phrases = [''];
  parts.forEach((part, i) => {
    const options = i % 2 === 0 ? [part] : part.split('|').map((o) => o.trim());
    phrases = phrases.flatMap((prefix) => options.map((option) => prefix + option));
  });
  return phrases.map((p) => p.replace(/\s+/g, ' ').trim());
}

/** What is wrong with a term's brackets and ranges, for the schema's message; undefined when nothing. */
export function termSyntaxProblem(term: string): string | undefined {
  if (!SYNTAX_CHARS.test(term)) return term.length > MAX_PHRASE_CHARS ? tooLong(term) : undefined;
  const brackets = [...term.matchAll(BRACKET)].map((m) => m[1]!.split('|'));
  if (brackets.some((options) => options.some((o) => o.trim() === '')))
    return `"${term}": a bracket has an empty alternative`;
  if (/[[\]|]/.test(term.replace(BRACKET, ' ')))
    return `"${term}": "[", "]" and "|" only as [one|another], brackets neither nested nor left open`;
  const count = brackets.reduce((n, options) => n * options.length, 1);
  if (count > MAX_TEMPLATE_PHRASES)
    return `"${term}" stands for ${count} phrases; a template may stand for ${MAX_TEMPLATE_PHRASES} at most`;
  for (const phrase of expandTemplate(term)) {
    if (phrase.length > MAX_PHRASE_CHARS) return tooLong(phrase);
    for (const word of phrase.split(' ')) {
      if (!/[{}]/.test(word)) continue;
      const range = parseRange(word);
      if (!range)
        return `"${term}": "{" and "}" only around a whole-number range that is a word of its own, {low-high}`;
      if (range.low > range.high) return `"${term}": the range ${word} runs backwards`;
    }
  }
  return undefined;
}

function tooLong(phrase: string): string {
  return `"${phrase}" is longer than ${MAX_PHRASE_CHARS} characters`;
}
