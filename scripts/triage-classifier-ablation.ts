// Usage: npm run ablation:triage -- [FILE.jsonl]   (default: test/fixtures/triage-dev.jsonl)
// Issue 12 asks that function words not carry urgency, measured rather than guessed: this trains the
// local classifier with and without stop words, class balancing and stronger regularisation, and
// prints each variant's macro-F1 over the intents and how often it alone would say "emergency".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTriage } from '../src/triage';
import type { TrainingOptions } from '../src/triage/local-classifier';

const file = process.argv[2] ?? path.resolve(__dirname, '../test/fixtures/triage-dev.jsonl');
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { text: string; intent: string });

// English and Spanish function words (articles, pronouns, auxiliaries, prepositions, conjunctions).
const STOP_WORDS = new Set(
  'a an the and or but of to in on at for with from by is am are was were be been being i me my we our you your he him his she her it its they them their this that these those do does did have has had so if as just than then there here what which who whom when where why how can could would should will shall may might must y o el la los las un una unos unas de del al en con por para que se lo le les mi mis tu su sus es son fue era ser estar esta estoy este esto eso como pero mas muy ya yo nos'.split(
    ' ',
  ),
);

const variants: [string, TrainingOptions][] = [
  ['all words, L2 1e-4 (shipped)', {}],
  ['stop words removed', { stopWords: STOP_WORDS }],
  ['class-balanced', { balance: true }],
  ['stop words removed + balanced', { stopWords: STOP_WORDS, balance: true }],
  ['L2 1e-5 (the default until 2026-12-06)', { l2: 1e-5 }],
  ['L2 1e-3', { l2: 1e-3 }],
];

console.log(`${file}: ${lines.length} messages`);
for (const [name, classifier] of variants) {
  const triage = createTriage({ classifier });
  const confusion = new Map<string, Map<string, number>>();
  for (const line of lines) {
    const got = triage.classifyLocal(line.text).intent;
    const row = confusion.get(line.intent) ?? new Map<string, number>();
    confusion.set(line.intent, row);
    row.set(got, (row.get(got) ?? 0) + 1);
  }
  let f1Sum = 0;
  for (const intent of confusion.keys()) {
    const tp = confusion.get(intent)?.get(intent) ?? 0;
    const support = [...(confusion.get(intent)?.values() ?? [])].reduce((a, b) => a + b, 0);
    const predicted = [...confusion.values()].reduce((sum, row) => sum + (row.get(intent) ?? 0), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  const falseEmergencies = lines.filter(
    (l) => l.intent !== 'emergency' && triage.classifyLocal(l.text).intent === 'emergency',
  ).length;
  console.log(
    `${name.padEnd(32)} macro-F1 ${(f1Sum / confusion.size).toFixed(3)}  false emergencies ${falseEmergencies}`,
  );
}
