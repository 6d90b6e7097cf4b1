import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultIntentsDir, IntentCatalogError, loadIntentCatalog } from './index';

describe('intent catalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'intents-'));
    cpSync(defaultIntentsDir(), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the shipped intents load, each with 40+ examples', () => {
    const { intents, version } = loadIntentCatalog();
    expect(version).toMatch(/^triage-[0-9a-f]{12}$/);
    for (const intent of intents) expect(intent.examples.length).toBeGreaterThanOrEqual(40);
  });

  test('the version changes when an intent file changes', () => {
    const before = loadIntentCatalog(dir).version;
    writeFileSync(path.join(dir, 'general.yaml'), `${readGeneral()}\n  - "hello there"\n`);
    expect(loadIntentCatalog(dir).version).not.toBe(before);
  });

  test.each([
    [
      'an unknown queue',
      'name: general\ndescription: x\nqueue: pharmacy\nexamples: ["hi"]\n',
      /general\.yaml: queue/,
    ],
    [
      'a missing description',
      'name: general\nqueue: front-desk\nexamples: ["hi"]\n',
      /general\.yaml: description/,
    ],
    [
      'a bad regex',
      'name: general\ndescription: x\nqueue: front-desk\nexamples: ["hi"]\nkeywords: ["(unclosed"]\n',
      /general\.yaml: keywords\.0/,
    ],
    ['broken YAML', 'name: [general\n', /general\.yaml: invalid YAML/],
    [
      'an unknown field',
      'name: general\ndescription: x\nqueue: front-desk\nexamples: ["hi"]\nexampels: []\n',
      /general\.yaml/,
    ],
  ])('a file with %s fails loading, naming the file', (_what, content, message) => {
    writeFileSync(path.join(dir, 'general.yaml'), content);
    expect(() => loadIntentCatalog(dir)).toThrow(IntentCatalogError);
    expect(() => loadIntentCatalog(dir)).toThrow(message);
  });

  test('a duplicate intent name fails loading', () => {
    writeFileSync(path.join(dir, 'general-copy.yaml'), readGeneral());
    expect(() => loadIntentCatalog(dir)).toThrow(
      /general\.yaml: intent "general" is already defined in general-copy\.yaml/,
    );
  });

  test('a missing required intent fails loading', () => {
    rmSync(path.join(dir, 'billing.yaml'));
    expect(() => loadIntentCatalog(dir)).toThrow(/missing intent file\(s\) for billing/);
  });

  function readGeneral(): string {
    return require('node:fs').readFileSync(path.join(dir, 'general.yaml'), 'utf8') as string;
  }
});
