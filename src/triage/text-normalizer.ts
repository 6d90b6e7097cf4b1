import { MAX_TRIAGE_CHARS } from './triage-input-cap';

/** Clean, comparable form of an inbound SMS: what the rules and the classifier actually read. */
export interface NormalizedText {
  /** Lower-case, accent-free words joined by single spaces (no punctuation). */
  text: string;
  tokens: string[];
  /** The same words split at punctuation and line breaks; red-flag negation never crosses these. */
  segments: string[][];
  /**
   * Per token: written in capitals ("TIA", "ER") in a message that also has lower-case letters, so the
   * capitals were chosen: an abbreviation rather than the word it spells ("tía", aunt). A message all in
   * capitals or all in lower case says nothing by its case.
   */
  capitals: boolean[];
  /**
   * Per token: written with an accent or a tilde ("tía", "niño"). An abbreviation is never written so:
   * "tía" is the aunt, whatever the message's language.
   */
  accented: boolean[];
  /** Per segment: whether it ended with a question mark. */
  questions: boolean[];
  /** Letters and digits in the cleaned text; zero means emoji-only, junk or empty. */
  alphanumericCount: number;
}

// Upper bound on what any layer reads (see triage-input-cap.ts); red flags are scanned over all of it.
export const MAX_SCAN_CHARS = MAX_TRIAGE_CHARS;

// Stands for a removed accent inside a word (private use: never in a patient's text as a letter).
const ACCENT_MARK = '\uE000';

// Emoji that carry a reply's meaning; all other symbols are dropped.
const EMOJI_WORDS: [RegExp, string][] = [
  [/[\u{1F44D}\u{1F44C}\u{2705}\u{2714}\u{2611}\u{1F197}]/gu, ' ok '],
  [/[\u{1F44E}\u{274C}\u{2716}\u{1F6AB}]/gu, ' no '],
];

// Shorthand written with a slash, read before the slash becomes a space: "better off w/o me", "w/ my
// pills", "b/c i cant".
const SLASHED: [RegExp, string][] = [
  [/(?<![\p{L}\p{N}])w\/o(?![\p{L}\p{N}])/giu, ' without '],
  [/(?<![\p{L}\p{N}])w\/(?![\p{N}\/])/giu, ' with '],
  [/(?<![\p{L}\p{N}])b\/c(?![\p{L}\p{N}])/giu, ' because '],
];

// SMS shorthand expanded so that "appt", "apt" and "appointment" share one feature.
const SHORTHAND: Record<string, string> = {
  u: 'you',
  ur: 'your',
  r: 'are',
  pls: 'please',
  plz: 'please',
  plez: 'please',
  appt: 'appointment',
  appts: 'appointments',
  apt: 'appointment',
  apmt: 'appointment',
  resched: 'reschedule',
  tmrw: 'tomorrow',
  tmr: 'tomorrow',
  tmrow: 'tomorrow',
  tomorow: 'tomorrow',
  '2morrow': 'tomorrow',
  '2moro': 'tomorrow',
  b4: 'before',
  // Time words shortened ("hurt it last wk", "up all nite"): history and time triggers spell them out.
  wk: 'week',
  wks: 'weeks',
  nite: 'night',
  nites: 'nights',
  tonite: 'tonight',
  thru: 'through',
  diff: 'difference',
  thx: 'thanks',
  thnx: 'thanks',
  thanx: 'thanks',
  ty: 'thanks',
  k: 'ok',
  kk: 'ok',
  okay: 'ok',
  okey: 'ok',
  oki: 'ok',
  msg: 'message',
  txt: 'text',
  txts: 'texts',
  wanna: 'want to',
  gonna: 'going to',
  cuz: 'because',
  bc: 'because',
  im: 'i am',
  ive: 'i have',
  // Phone typing drops vowels and spells by sound: "everyone wld be better off", "tonite is it".
  wld: 'would',
  wud: 'would',
  cld: 'could',
  cud: 'could',
  shld: 'should',
  '2nite': 'tonight',
  '2night': 'tonight',
  urself: 'yourself',
  urselves: 'yourselves',
  ppl: 'people',
  every1: 'everyone',
  any1: 'anyone',
  some1: 'someone',
  sum1: 'someone',
  abt: 'about',
  imma: 'i am going to',
  ima: 'i am going to',
  luv: 'love',
  ily: 'i love you',
  kiero: 'quiero',
  ke: 'que',
  aki: 'aqui',
  xa: 'para',
  dnd: 'donde',
  bn: 'bien',
  tmbn: 'tambien',
  idk: 'i dont know',
  q: 'que',
  xq: 'porque',
  pq: 'porque',
  porq: 'porque',
  xfa: 'por favor',
  porfa: 'por favor',
  pf: 'por favor',
  tb: 'tambien',
  tmb: 'tambien',
  d: 'de',
  dr: 'doctor',
  bp: 'blood pressure',
  dra: 'doctora',
};

const NUMBER_WITH_UNIT =
  /(?<![\p{L}\p{N}])(\d+)(yo|yos|yr|yrs|mo|mos|wk|wks|f|c|min|mins|hr|hrs|mg|ml|lb|lbs|kg|x|am|pm|days|weeks|months|years|dias|semanas|meses|an\uE000?os)(?![\p{L}\p{N}])/giu;

/** Normalizes raw SMS text; never throws, whatever the input. */
export function normalizeText(raw: string): NormalizedText {
  let s = raw.length > MAX_SCAN_CHARS ? raw.slice(0, MAX_SCAN_CHARS) : raw;
  // Markup is pasted or injected, never patient words: drop script/style bodies, then tags.
  s = s
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^<>]{0,500}>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&');
  for (const [pattern, word] of EMOJI_WORDS) s = s.replace(pattern, word);
  for (const [pattern, words] of SLASHED) s = s.replace(pattern, words);
  // Lower-cased word by word below, once the case has told which words were written in capitals.
  // A letter's accent becomes a mark kept inside its word until the word is read (see `accented`).
  s = s.normalize('NFKD').replace(/\p{M}+/gu, ACCENT_MARK);
  // "can't" and "cant" must be the same word for the lexicons.
  s = s.replace(/[''`´ʼ]/g, '');
  // Sentence punctuation becomes a segment break; every other non-word character becomes a space.
  // Brackets are an aside inside the sentence ("a mini stroke (TIA) in 2021"), not its end.
  // A run holding "?" ends a question ("|?"): a question about a condition is read by its sentence.
  s = s
    .replace(/[.!?;,:\n\r¡¿…]+/g, (run) => (run.includes('?') ? ' |? ' : ' | '))
    .replace(/[^\p{L}\p{N}|?\uE000]+/gu, ' ');
  // "helppp", "yesss", "pleeease": SMS elongation; digits are left alone ("1000").
  s = s.replace(/(\p{L})\1{2,}/giu, '$1');
  // "2yo", "6wks", "102f", "20mg": a number run together with its unit is the number and the unit, so
  // "# yo", "# wks" and fever figures match as they do when spaced.
  s = s.replace(NUMBER_WITH_UNIT, '$1 $2');

  const segments: string[][] = [];
  const questions: boolean[] = [];
  const capitals: boolean[] = [];
  const accented: boolean[] = [];
  const caseChosen = /\p{Ll}/u.test(s) && /\p{Lu}/u.test(s);
  let current: string[] = [];
  let alphanumericCount = 0;
  for (const marked of s.split(' ')) {
    const accent = marked.includes(ACCENT_MARK);
    const written = accent ? marked.replaceAll(ACCENT_MARK, '') : marked;
    const word = written.toLowerCase();
    if (word === '') continue;
    if (word === '|' || word === '|?') {
      if (current.length > 0) {
        segments.push(current);
        questions.push(word === '|?');
      }
      current = [];
      continue;
    }
    alphanumericCount += word.length;
    const capital = caseChosen && written !== word && written === written.toUpperCase() && word.length > 1;
    const expanded = SHORTHAND[word];
    if (expanded === undefined) {
      current.push(word);
      capitals.push(capital);
      accented.push(accent);
    } else {
      for (const part of expanded.split(' ')) {
        current.push(part);
        capitals.push(capital);
        accented.push(accent);
      }
    }
  }
  if (current.length > 0) {
    segments.push(current);
    questions.push(false);
  }
  const tokens = segments.flat();
  return { text: tokens.join(' '), tokens, segments, capitals, accented, questions, alphanumericCount };
}
