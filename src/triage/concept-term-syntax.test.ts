import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConceptCatalog, loadConceptCatalog } from './concept-catalog';
import { conceptFileSchema, termGroupSchema } from './concept-schema';
import { defaultIntentsDir } from './index';
import { RedFlagEngine } from './red-flag-engine';
import { normalizeText } from './text-normalizer';

// The two ways a concept file states a rule once (src/triage/term-syntax.ts): a numeric range,
// `{low-high}`, and a template with alternatives, `[a|b] [c|d]`. Made-up concepts, real modifiers.
const real = loadConceptCatalog(defaultIntentsDir());

function engineWith(files: unknown[]): RedFlagEngine {
  const catalog: ConceptCatalog = {
    ...real,
    sharedTerms: {},
    categories: files.map((f) => conceptFileSchema.parse(f)),
  };
  return new RedFlagEngine(catalog);
}

const engine = engineWith([
  {
    category: 't_reading',
    label: 'reading',
    neutral: ['high_top', 'high_bottom', 'low_sat'],
    terms: {
      pressure: { en: ['pressure'], es: ['presion'] },
      high_top: { en: ['{180-300}'], es: ['{180-300}'] },
      high_bottom: { en: ['# {120-180}', '# over {120-180}'], es: ['# [sobre|con] {120-180}'] },
      oxygen: { en: ['sats'], es: ['saturacion'] },
      low_sat: { en: ['{50-91}'] },
    },
    concepts: [
      { name: 't_high_top', label: 'top', alone: 'urgent', match: [['pressure', 'high_top']] },
      { name: 't_high_bottom', label: 'bottom', alone: 'urgent', match: [['pressure', 'high_bottom']] },
      { name: 't_low_sat', label: 'sats', alone: 'urgent', match: [['oxygen', 'low_sat']] },
    ],
  },
  {
    category: 't_threat',
    label: 'threat',
    terms: {
      threat: { en: ['[going to hurt|gonna stab] [him|his teacher]'] },
      // Accents in the data are read as the message's are: removed on both sides.
      taken: { es: ['[se tomó|tomó] [todas las pastillas|el frasco de pastillas]'] },
    },
    concepts: [
      { name: 't_threat', label: 'threat', alone: 'emergency', match: [['threat']] },
      { name: 't_taken', label: 'taken', alone: 'emergency', match: [['taken']] },
    ],
  },
]);

const concepts = (text: string, language?: 'en' | 'es') =>
  engine
    .assess(normalizeText(text), language)
    .live.map((h) => h.concept)
    .sort();

describe('a numeric range term, {low-high}', () => {
  test.each([
    ['pressure 180', ['t_high_top']],
    ['pressure 300', ['t_high_top']],
    ['pressure 179', []],
    ['pressure 301', []],
    ['pressure 0180', []],
    ['pressure 2000', []],
    ['pressure is 190/100', ['t_high_top']],
    ['my pressure was 190 over 100', ['t_high_top']],
  ])('the bounds are included, nothing beyond: %s', (text, expected) => {
    expect(concepts(text)).toEqual(expected);
  });

  test.each([
    ['pressure 170/120', true],
    ['pressure 170 over 180', true],
    ['pressure 160/119', false],
    ['pressure 160 over 181', false],
  ])('a range after other words of a phrase: %s', (text, expected) => {
    expect(concepts(text).includes('t_high_bottom')).toBe(expected);
  });

  test.each([
    ['sats 88%', ['t_low_sat']],
    ['sats are at % 88', ['t_low_sat']],
    ['sats 91', ['t_low_sat']],
    ['sats 92%', []],
    // A point ends a sentence for the normalizer: the whole part is the number read.
    ['sats 88.5', ['t_low_sat']],
    ['sats 92.5', []],
    ['sats ninety', []],
  ])('percentages and decimals read as the message splits them: %s', (text, expected) => {
    expect(concepts(text)).toEqual(expected);
  });

  test('a number is a number in either language: a Spanish range reads a Spanish message', () => {
    expect(concepts('la presion esta en 170 sobre 125', 'es')).toEqual(['t_high_bottom']);
    expect(concepts('la presion esta en 170 con 130', 'es')).toEqual(['t_high_bottom']);
    expect(concepts('la presion esta en 170 con 110', 'es')).toEqual([]);
  });
});

describe('a template with alternatives, [a|b]', () => {
  test('stands for each combination, in order', () => {
    expect(termGroupSchema.parse({ en: ['[going to hurt|gonna stab] [him|his teacher] now'] }).en).toEqual([
      'going to hurt him now',
      'going to hurt his teacher now',
      'gonna stab him now',
      'gonna stab his teacher now',
    ]);
  });

  test.each([
    'he is going to hurt him',
    'he said he is going to hurt his teacher',
    'he is gonna stab him',
    'hes gonna stab his teacher tomorrow',
  ])('each combination is matched: %s', (text) => {
    expect(concepts(text)).toEqual(['t_threat']);
  });

  test.each(['he is going to stab the dog', 'gonna hurt', 'his teacher is going to hurt'])(
    'nothing outside its combinations: %s',
    (text) => {
      expect(concepts(text)).toEqual([]);
    },
  );

  test.each([
    'se tomo todas las pastillas',
    'se tomó todas las pastillas',
    'tomó el frasco de pastillas',
    'creo que tomo el frasco de pastillas',
  ])('Spanish alternatives written with accents read with or without them: %s', (text) => {
    expect(concepts(text, 'es')).toEqual(['t_taken']);
  });
});

describe('a term that misuses the syntax names its problem', () => {
  test.each([
    ['[a|[b|c]] d', /nested/],
    ['[going to hurt|] him', /empty alternative/],
    ['[going to hurt him', /left open/],
    ['going to hurt him|her', /left open/],
    ['over {180-120}', /runs backwards/],
    ['over{120-180}', /word of its own/],
    ['{a-b}', /whole-number range/],
    [`[${'x|'.repeat(40)}x] [${'y|'.repeat(40)}y]`, /1681 phrases/],
    [`[${'a'.repeat(70)}|b] [${'c'.repeat(20)}|d]`, /longer than 80 characters/],
  ])('%s', (term, message) => {
    const parsed = termGroupSchema.safeParse({ en: [term] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toMatch(message);
  });

  test('unquoted in YAML, a range is a map: the catalog says to quote it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'intents-'));
    try {
      cpSync(defaultIntentsDir(), dir, { recursive: true });
      const file = path.join(dir, 'concepts', 'blood-pressure.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          /crisis_systolic:\n {4}en: \[[^\]\n]*\]/,
          'crisis_systolic:\n    en: [{180-300}]',
        ),
      );
      expect(() => loadConceptCatalog(dir)).toThrow(
        /blood-pressure\.yaml: terms\.crisis_systolic\.en\.0: .*quote/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
