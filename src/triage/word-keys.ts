import { newStemmer, type Stemmer } from 'snowball-stemmers';

export type LexiconLanguage = 'en' | 'es';

// Each word is stemmed once per process: the cache turns the stemmer's cost (about 10 µs a word) into a
// map lookup for the few thousand words patients actually use. Bounded so junk cannot grow it forever.
const CACHE_LIMIT = 100_000;

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
      key = `${language === 'en' ? 'e' : 's'}:${/^\d+$/.test(word) ? word : WordKeys.#stemmers[language].stem(word)}`;
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, key);
    }
    return key;
  }
}
