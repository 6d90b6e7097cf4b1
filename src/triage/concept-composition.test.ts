import path from 'node:path';
import { type ConceptCatalog, loadConceptCatalog } from './concept-catalog';
import { conceptFileSchema } from './concept-schema';
import { createTriage } from './index';
import { RedFlagEngine } from './red-flag-engine';
import { normalizeText } from './text-normalizer';

// The matcher's own behaviour, on small made-up concepts with the real context modifiers: concepts
// that compose with others (`composes`, `countsAlone`) and the `~` negator placeholder.
const real = loadConceptCatalog(path.resolve(__dirname, '../../intents'));

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
    category: 't_chest',
    label: 'chest',
    terms: { sore_chest: { en: ['sore chest'] } },
    concepts: [{ name: 'sore_chest', label: 'sore chest', alone: 'urgent', match: [['sore_chest']] }],
  },
  {
    category: 't_signs',
    label: 'signs',
    terms: {
      pale: { en: ['pale', 'clammy'] },
      stung: { en: ['stung'] },
      wheezy: { en: ['wheezy'] },
    },
    concepts: [
      { name: 'pale', label: 'pale', alone: 'soon', composes: 'any', match: [['pale']] },
      {
        name: 'stung',
        label: 'stung',
        alone: 'soon',
        composes: 'any',
        countsAlone: false,
        match: [['stung']],
      },
      { name: 'wheezy', label: 'wheezy', alone: 'soon', match: [['wheezy']] },
    ],
  },
  {
    category: 't_self',
    label: 'self',
    terms: {
      goodbye: { en: ['goodbye'] },
      unreachable: { en: ['not answering'] },
      gun: { en: ['a gun'] },
    },
    concepts: [
      {
        name: 'goodbye',
        label: 'goodbye',
        alone: 'emergency',
        composes: 'category',
        countsAlone: false,
        match: [['goodbye']],
      },
      {
        name: 'unreachable',
        label: 'unreachable',
        alone: 'emergency',
        composes: 'category',
        countsAlone: false,
        match: [['unreachable']],
      },
      { name: 'gun', label: 'gun', alone: 'urgent', match: [['gun']] },
    ],
  },
  {
    category: 't_wake',
    label: 'wake',
    terms: { no_wake: { en: ['~ waking up'], es: ['~ despierta'] } },
    concepts: [{ name: 'no_wake', label: 'no wake', alone: 'emergency', match: [['no_wake']] }],
  },
]);
const assess = (text: string) => engine.assess(normalizeText(text));

describe('a danger sign composes with any red flag that counts alone (composes: any)', () => {
  test('alone, each keeps its own level', () => {
    expect(assess('sore chest since this morning').level).toBe('urgent');
    expect(assess('she looks pale').level).toBe('soon');
  });

  test('a sign beside another red flag, in its own words, makes both emergencies', () => {
    const result = assess('sore chest and she looks pale');
    expect(result.level).toBe('emergency');
    expect(result.live.map((h) => [h.concept, h.level])).toEqual([
      ['sore_chest', 'emergency'],
      ['pale', 'emergency'],
    ]);
    expect(result.live[1]!.notes.join(' ')).toContain('"sore chest" in the same message');
  });

  test('a sign with itself, or with one that means nothing alone beside nothing else, is no emergency', () => {
    expect(assess('pale, so pale and clammy').level).toBe('soon');
    expect(assess('she got stung').level).toBeNull();
    expect(assess('she got stung').live).toEqual([]);
  });

  test('an exposure that means nothing alone counts beside a red flag that does', () => {
    expect(assess('she got stung and now she is wheezy').level).toBe('emergency');
    expect(assess('she got stung and looks pale').level).toBe('emergency');
  });

  test('a sign said for weeks raises nothing', () => {
    expect(assess('sore chest for weeks and pale lately').level).not.toBe('emergency');
  });
});

describe('warning signs of one category compose with each other (composes: category)', () => {
  test('one warning sign alone is not a red flag', () => {
    expect(assess('goodbye').level).toBeNull();
    expect(assess('my sister is not answering').level).toBeNull();
  });

  test('two different ones, never listed as a pair, make an emergency', () => {
    const result = assess('she texted me goodbye and now she is not answering');
    expect(result.level).toBe('emergency');
    expect(result.live.map((h) => h.concept).sort()).toEqual(['goodbye', 'unreachable']);
  });

  test('one beside any concept of its category makes an emergency', () => {
    expect(assess('he has a gun').level).toBe('urgent');
    expect(assess('he said goodbye and he has a gun').level).toBe('emergency');
  });

  test('a warning sign does not compose with another category', () => {
    expect(assess('goodbye, sore chest').level).toBe('urgent');
  });
});

describe('~ in a phrase stands for any negator of its language', () => {
  test.each([
    'my wife isnt waking up',
    'she is not waking up',
    'he wont wake up',
    'baby cant wake up from the nap',
    'he is barely waking up',
  ])('%s', (text) => {
    expect(assess(text).level).toBe('emergency');
  });

  test('an English phrase is not met by the Spanish "no", nor a Spanish one by an English negator', () => {
    expect(assess('no waking up early this week').level).toBeNull();
    expect(assess('mi papa no despierta').level).toBe('emergency');
    expect(assess('dont despierta').level).toBeNull();
  });
});

describe('a named event told as done is urgent, not an emergency (past_event)', () => {
  const triage = createTriage({});
  const classify = (text: string) => triage.classifyLocal(text);

  test.each([
    'a kid at my sons school had a seizure, should we worry',
    'my neighbor had a heart attack, can i get my cholesterol checked',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).toBe('urgent');
    expect(result.reasons.join(' ')).toContain('told as a past event');
  });

  test.each([
    'my husband just had a seizure',
    'my husband had a seizure 5 minutes ago',
    'my dad had a heart attack today',
    'she had a seizure and isnt waking up',
    'my wife had a seizure, its been 10 minutes',
  ])('still an emergency when something puts it now: %s', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
