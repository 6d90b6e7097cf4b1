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

  key(word: string, language: LexiconLanguage): string {
    const cache = WordKeys.#cache[language];
    let key = cache.get(word);
    if (key === undefined) {
      // Digits are numbers, not words: "20" stays "20" in both languages.
      const whole = /^\d+$/.test(word) || (language === 'en' && OWN_KEY_EN.has(word));
      const form = language === 'en' ? (PARTICIPLE_EN[word] ?? word) : word;
      key = `${language === 'en' ? 'e' : 's'}:${whole ? word : WordKeys.#stemmers[language].stem(form)}`;
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, key);
    }
    return key;
  }
}
