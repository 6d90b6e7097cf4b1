import { newStemmer, type Stemmer } from 'snowball-stemmers';

export type LexiconLanguage = 'en' | 'es';

// Each word is stemmed once per process: the cache turns the stemmer's cost (about 10 µs a word) into a
// map lookup for the few thousand words patients actually use. Bounded so junk cannot grow it forever.
const CACHE_LIMIT = 100_000;

// Adverbs whose Snowball stem is another word with another meaning: "nearly" is not "near" ("collapsed
// near the finish" is no "nearly collapsed"), "lately" is not "late" ("sorry I'm late" is no course of
// weeks), "hardly" not "hard", "barely" not "bare", "shortly" not "short". They are their own key.
const OWN_KEY_EN = new Set(['nearly', 'lately', 'hardly', 'barely', 'shortly']);

// Irregular past participles the stemmer keeps apart from the simple past: "has thrown up" is "threw
// up", "has fallen" is "fell", "she's taken 20" is "took 20". Each is keyed as its simple past, which
// keeps what the tense says (done, not planned: "take a whole bottle?" stays a question). Participles
// that are also words of another meaning are left out ("drunk", "gone", "done").
const PARTICIPLE_EN: Record<string, string> = {
  thrown: 'threw',
  fallen: 'fell',
  taken: 'took',
  eaten: 'ate',
  broken: 'broke',
  woken: 'woke',
  given: 'gave',
  frozen: 'froze',
  shaken: 'shook',
  torn: 'tore',
  spoken: 'spoke',
  blown: 'blew',
  swum: 'swam',
};

// Spanish adjectives whose Snowball stem is a verb of another meaning: "morado" (purple, a bruise) loses
// its "-ado" as a participle would and keeps "mor", the stem of "morir" (to die). They share a key of
// their own, so "sigue morada" stays a colour.
const OWN_STEM_ES: Record<string, string> = {
  morado: 'morad',
  morada: 'morad',
  morados: 'morad',
  moradas: 'morad',
};

/**
 * The Spanish stem of a word, with the spelling of a "-car" verb made one: "saqué", "toqué" write the
 * "c" of "sacó", "tocó" as "qu" before an "e", and Snowball keeps the two spellings apart ("saqu",
 * "sac"). "Ya la sacó" is then the "la saqué" a phrase lists.
 */
function spanishStem(stemmer: Stemmer, word: string): string {
  const own = OWN_STEM_ES[word];
  if (own !== undefined) return own;
  const stem = stemmer.stem(word);
  return stem.endsWith('qu') ? `${stem.slice(0, -2)}c` : stem;
}

/**
 * Snowball (Porter2) stems in English and in Spanish, prefixed by language so that an English word and
 * a Spanish one that stem alike ("her" and "herida" -> "her") never meet: "radiating", "radiates" and
 * "radiated" share the key `e:radiat`; "respira", "respirar" and "respiro" share `s:respir`.
 */
export class WordKeys {
  // Stems are a pure function of the word: one cache for the process, shared by every engine.
  static readonly #stemmers: Record<LexiconLanguage, Stemmer> = {
    en: newStemmer('english'),
    es: newStemmer('spanish'),
  };
  static readonly #cache: Record<LexiconLanguage, Map<string, string>> = { en: new Map(), es: new Map() };

  static #stem(word: string, language: LexiconLanguage): string {
    const stemmer = WordKeys.#stemmers[language];
    return language === 'en' ? stemmer.stem(PARTICIPLE_EN[word] ?? word) : spanishStem(stemmer, word);
  }

  key(word: string, language: LexiconLanguage): string {
    const cache = WordKeys.#cache[language];
    let key = cache.get(word);
    if (key === undefined) {
      // Digits are numbers, not words: "20" stays "20" in both languages.
      const whole = /^\d+$/.test(word) || (language === 'en' && OWN_KEY_EN.has(word));
      key = `${language === 'en' ? 'e' : 's'}:${whole ? word : WordKeys.#stem(word, language)}`;
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, key);
    }
    return key;
  }
}
