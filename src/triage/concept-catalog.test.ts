import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConceptCatalog } from './concept-catalog';
import { createTriage, defaultIntentsDir, IntentCatalogError } from './index';

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
  ])('a concept file with %s fails loading, naming the file', (_what, content, message) => {
    writeFileSync(cardiac(), content);
    expect(() => loadConceptCatalog(dir)).toThrow(IntentCatalogError);
    expect(() => loadConceptCatalog(dir)).toThrow(message);
    expect(() => createTriage({ intentsDir: dir })).toThrow(message);
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
