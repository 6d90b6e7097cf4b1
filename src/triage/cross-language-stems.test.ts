import { type ConceptCatalog, loadConceptCatalog } from './concept-catalog';
import { conceptFileSchema } from './concept-schema';
import { createTriage, defaultIntentsDir } from './index';
import { RedFlagEngine } from './red-flag-engine';
import { normalizeText } from './text-normalizer';

// A word of one language must not meet a concept of the other by its stem, and a span of time is no
// age (issue 12). Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('in a message read as English, an English word is no Spanish stem', () => {
  // "babe" is the Spanish stem of "babeando" (drooling), "milk" an allergen.
  test.each([
    'babe can you pick up milk and eggs after work',
    'thanks babe, grab some peanuts for the party too',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    // Spanish the concepts list is still read in an English message.
    'my abuela is babeando and cant swallow after eating peanuts',
    'she ate shrimp and now she is drooling and cant swallow',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('"hace # años" is a span of time, "de # años" an age', () => {
  test.each([
    'a mi mamá le operaron el corazón hace 3 años, ¿puede seguir tomando ibuprofeno?',
    'mi esposo dejó de fumar hace 2 años y sigue tomando sus pastillas de la presión',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    'mi hijo de 3 años se tomó unas pastillas de su abuela',
    'mi nieta tiene 2 años y se comió las pastillas de la presión',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('an English word the concepts also list in Spanish meets no other Spanish word of the same stem', () => {
  // "color" is listed in Spanish ("vómito color café"); its Spanish stem is also that of "colorante"
  // (food dye), which sets blue lips aside as dye. An English "color" is no dye.
  test.each([
    'my grandma fingers and nails are blue color and she is breathing funny',
    'his lips went a blue color and he is gasping',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each(['mi hijo vomitó color café y tiene la barriga muy hinchada'])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'my toddler has blue lips from the blue raspberry popsicle, he is fine and playing',
    'la niña tiene los labios azules por la paleta de colorante de comida, está jugando bien',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a word the concepts list in both languages has no Spanish stem in a message read as English', () => {
  // The mechanism behind the "blue color" miss, apart from the shipped data (which now names the dye
  // in full): made-up terms where an English word, also listed in Spanish, shares its Spanish stem
  // with a Spanish `unless` word ("color" and "colorante" both stem to "color").
  const real = loadConceptCatalog(defaultIntentsDir());
  const catalog: ConceptCatalog = {
    ...real,
    sharedTerms: {},
    categories: [
      conceptFileSchema.parse({
        category: 't_hue',
        label: 'hue',
        terms: {
          tint: { en: ['blue color'], es: ['color azul', 'labios azules'] },
          dye: { es: ['colorante'] },
        },
        concepts: [{ name: 't_blue', label: 'blue', alone: 'emergency', match: [['tint']], unless: ['dye'] }],
      }),
    ],
  };
  const engine = new RedFlagEngine(catalog);
  const live = (text: string, language: 'en' | 'es') =>
    engine.assess(normalizeText(text), language).live.map((h) => h.concept);

  test('an English "color" is no dye word', () => {
    expect(live('his nails are blue color now', 'en')).toEqual(['t_blue']);
  });

  test('a Spanish message is still read by Spanish stems', () => {
    expect(live('tiene los labios azulados', 'es')).toEqual(['t_blue']);
    expect(live('tiene los labios azulados de colorante', 'es')).toEqual([]);
  });
});
