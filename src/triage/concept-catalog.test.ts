import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConceptCatalog } from './concept-catalog';
import { createTriage, defaultIntentsDir, IntentCatalogError } from './index';
import { phraseWords } from './phrase-index';
import { type LexiconLanguage, WordKeys } from './word-keys';

describe('red-flag concept catalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'intents-'));
    cpSync(defaultIntentsDir(), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cardiac = () => path.join(dir, 'concepts', 'cardiac.yaml');

  test('the shipped concepts load: every category a nurse protocol lists, each with a label', () => {
    const catalog = loadConceptCatalog(defaultIntentsDir());
    const categories = catalog.categories.map((c) => c.category);
    for (const expected of [
      'cardiac',
      'stroke',
      'breathing',
      'bleeding',
      'self_harm',
      'anaphylaxis',
      'overdose',
      'poisoning',
      'obstetric',
      'seizure_unresponsive',
      'infant_fever',
      'trauma_burns',
      'sepsis_meningitis_head',
    ]) {
      expect(categories).toContain(expected);
    }
  });

  test.each([
    ['broken YAML', 'category: [cardiac\n', /concepts\/cardiac\.yaml: invalid YAML/],
    ['an unknown field', 'category: cardiac\nlabel: x\nconcepts: []\nextra: 1\n', /concepts\/cardiac\.yaml/],
    [
      'an unknown level',
      'category: cardiac\nlabel: x\nterms: {a: {en: [chest]}}\nconcepts: [{name: c, label: x, alone: now, match: [[a]]}]\n',
      /concepts\/cardiac\.yaml: concepts\.0\.alone/,
    ],
    [
      'a term group defined nowhere',
      'category: cardiac\nlabel: x\nconcepts: [{name: c, label: x, alone: urgent, match: [[nowhere]]}]\n',
      /concepts\/cardiac\.yaml: concept "c" uses term group "nowhere"/,
    ],
    [
      'a concept name used in another file',
      'category: cardiac2\nlabel: x\nterms: {a: {en: [chest]}}\nconcepts: [{name: cannot_breathe, label: x, alone: urgent, match: [[a]]}]\n',
      /concepts\/cardiac\.yaml: concept "cannot_breathe" is already in concepts\/breathing\.yaml/,
    ],
    [
      'a neutral group that is not one of its term groups',
      'category: cardiac\nlabel: x\nterms: {a: {en: [chest]}}\nneutral: [b]\nconcepts: [{name: c, label: x, alone: urgent, match: [[a]]}]\n',
      /concepts\/cardiac\.yaml: neutral group "b" is not a term group of this file/,
    ],
  ])('a concept file with %s fails loading, naming the file', (_what, content, message) => {
    writeFileSync(cardiac(), content);
    expect(() => loadConceptCatalog(dir)).toThrow(IntentCatalogError);
    expect(() => loadConceptCatalog(dir)).toThrow(message);
    expect(() => createTriage({ intentsDir: dir })).toThrow(message);
  });

  test('distress words are data: a word added to context/distress-terms.yaml sets a free-text opt-out aside', () => {
    const text = 'unsubscribe me, i am so frazzled';
    expect(createTriage({ intentsDir: dir }).classifyLocal(text).intent).toBe('opt_out');
    const file = path.join(dir, 'context', 'distress-terms.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('en: [', 'en: [frazzled, '));
    expect(createTriage({ intentsDir: dir }).classifyLocal(text)).toMatchObject({
      intent: 'clinical_question',
      clinicalContent: true,
    });
  });

  test('a term group the concept file calls neutral is not clinical content; the same group otherwise is', () => {
    // "my dog" is the self-harm group `possessions` (giving away one's things), neutral alone.
    const text = 'stop texting me, my dog is fine';
    expect(createTriage({ intentsDir: dir }).classifyLocal(text).intent).toBe('opt_out');
    const file = path.join(dir, 'concepts', 'self-harm.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/^neutral: \[(.*)\bpossessions, /m, 'neutral: [$1'),
    );
    expect(createTriage({ intentsDir: dir }).classifyLocal(text)).toMatchObject({
      intent: 'clinical_question',
      clinicalContent: true,
    });
  });

  test('a broken modifiers file fails loading, naming it', () => {
    writeFileSync(path.join(dir, 'context', 'modifiers.yaml'), 'fillers: {en: [a]}\n');
    expect(() => loadConceptCatalog(dir)).toThrow(/context\/modifiers\.yaml: /);
  });

  test('concepts are data: a synonym added to the YAML is matched, and the triage version changes', () => {
    const before = createTriage({ intentsDir: dir });
    expect(before.classifyLocal('my sternum is on fire').intent).not.toBe('emergency');
    const yaml = readFileSync(cardiac(), 'utf8').replace(
      '    en: [pain, pains,',
      '    en: [on fire, pain, pains,',
    );
    writeFileSync(cardiac(), yaml);
    const after = createTriage({ intentsDir: dir });
    expect(after.classifyLocal('my sternum is on fire').intent).toBe('emergency');
    expect(after.classifyLocal('').version).not.toBe(before.classifyLocal('').version);
  });
});

// An `unless` word matched by stem must not be a word of the concept's own match: "numbing" (a dental
// shot) stems like "numb", so "his face is numb and drooping" was set aside as a dental visit;
// "chlorinated" (pool water) stems like "chlorine". The one pair left is meant: vitamins taken all at
// once are a routine dose, not an overdose of pills.
test('no unless word of a concept stems like a one-word term of its own match', () => {
  const catalog = loadConceptCatalog(defaultIntentsDir());
  const keys = new WordKeys();
  const meant = new Set(['all_pills_with_symptoms:vitamins', 'all_pills_with_symptoms:vitaminas']);
  const clashes: string[] = [];
  for (const file of catalog.categories) {
    const group = (name: string) => file.terms[name] ?? catalog.sharedTerms[name]!;
    for (const concept of file.concepts) {
      const matchKeys = new Set<string>();
      for (const alternative of concept.match)
        for (const name of alternative)
          for (const language of ['en', 'es'] as LexiconLanguage[])
            for (const phrase of group(name)[language]) {
              const words = phraseWords(phrase);
              if (words.length === 1) matchKeys.add(keys.key(words[0]!, language));
            }
      for (const name of concept.unless)
        for (const language of ['en', 'es'] as LexiconLanguage[])
          for (const phrase of group(name)[language]) {
            const words = phraseWords(phrase);
            if (words.length !== 1 || meant.has(`${concept.name}:${phrase}`)) continue;
            if (matchKeys.has(keys.key(words[0]!, language)))
              clashes.push(`${concept.name}: ${name} "${phrase}"`);
          }
    }
  }
  expect(clashes).toEqual([]);
});
