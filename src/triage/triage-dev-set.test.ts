import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTriage } from './index';

// The development set (test/fixtures/triage-dev.jsonl) was written apart from the intents' examples by
// another engineer; the concepts were tuned against it, so it is a regression gate, not a measure of
// generalization (that is the held-out file and `npm run eval:triage`).
interface DevLine {
  text: string;
  intent: string;
  kind: 'emergency' | 'clinical' | 'admin' | 'offtopic';
  category?: string;
}

// The former held-out file (test/fixtures/triage-dev-b.jsonl) joined the development data once its misses
// had been read while tuning; a newer held-out file measures generalization. Both are held to the same gate.
const devFiles = ['triage-dev.jsonl', 'triage-dev-b.jsonl'];

function readDevLines(file: string): DevLine[] {
  return readFileSync(path.resolve(__dirname, '../../test/fixtures', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DevLine);
}

const triage = createTriage({});

describe.each(devFiles)('development set %s', (file) => {
  const lines = readDevLines(file);

  test('has emergencies of every kind and non-emergencies', () => {
    expect(lines.filter((l) => l.kind === 'emergency').length).toBeGreaterThanOrEqual(100);
    expect(lines.filter((l) => l.kind === 'clinical').length).toBeGreaterThanOrEqual(100);
    expect(lines.filter((l) => l.kind === 'offtopic').length).toBeGreaterThanOrEqual(50);
  });

  test('every emergency is caught', () => {
    const missed = lines
      .filter((l) => l.kind === 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent !== 'emergency')
      .map((l) => `${l.category}: ${l.text}`);
    expect(missed).toEqual([]);
  });

  test('no clinical, admin or off-topic message is called an emergency', () => {
    const falseAlarms = lines
      .filter((l) => l.kind !== 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent === 'emergency')
      .map((l) => `${l.kind}: ${l.text}`);
    expect(falseAlarms).toEqual([]);
  });
});
