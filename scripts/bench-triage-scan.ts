// Usage: npm run bench:triage-scan
// The red-flag scan must be linear in the text (issue 12): this times classifyLocal on inputs of growing
// size, each made of words that match concepts and modifiers as densely as possible, and prints the
// time per 1,000 characters, which stays flat when the work is linear.
import { createTriage } from '../src/triage';
import { MAX_SCAN_CHARS } from '../src/triage/text-normalizer';

const triage = createTriage({});
const inputs: [string, string][] = [
  ['"chest pain " repeated', 'chest pain '],
  [
    'negated and historical red flags',
    'no chest pain years ago but now i cant breathe and it is getting worse ',
  ],
  ['misspellings and run-together words', 'chestpain siezure brething unconcious hartattack '],
  ['ordinary words', 'please call me back about my appointment next week thanks '],
];
const sizes = [1_000, 5_000, 10_000, MAX_SCAN_CHARS];

for (const [name, unit] of inputs) {
  const row: string[] = [];
  for (const size of sizes) {
    const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    triage.classifyLocal(text);
    const runs = 20;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) triage.classifyLocal(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
    row.push(`${size} chars ${ms.toFixed(2)} ms (${((ms * 1000) / size).toFixed(3)} ms/1k)`);
  }
  console.log(`${name}:\n  ${row.join('\n  ')}`);
}
