// Usage: npm run eval:triage -- [FILE.jsonl]   (default: test/fixtures/triage-eval.jsonl)
// Scores the local layers (rules + local classifier, no LLM) against labelled SMS replies.
import path from 'node:path';
import { createTriage } from '../src/triage';
import { evaluate, readEvalFile } from '../src/triage/triage-evaluation';

const file = process.argv[2] ?? path.resolve(__dirname, '../test/fixtures/triage-eval.jsonl');
const triage = createTriage({});
const report = evaluate(triage, readEvalFile(file));
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const num = (n: number): string => n.toFixed(3);

console.log(`triage eval: ${file}`);
console.log(`${report.total} messages, accuracy ${pct(report.accuracy)}\n`);
console.log(
  `${'intent'.padEnd(20)}${'support'.padStart(8)}${'prec'.padStart(8)}${'recall'.padStart(8)}${'F1'.padStart(8)}`,
);
for (const s of report.perIntent) {
  console.log(
    `${s.intent.padEnd(20)}${String(s.support).padStart(8)}${num(s.precision).padStart(8)}${num(s.recall).padStart(8)}${num(s.f1).padStart(8)}`,
  );
}
console.log(`\nmacro-F1              ${num(report.macroF1)}`);
console.log(`emergency recall      ${pct(report.emergencyRecall)}`);
console.log(`false-emergency rate  ${pct(report.falseEmergencyRate)}\n`);

// Columns are abbreviated to keep the matrix readable in a terminal.
const short = (label: string): string => label.slice(0, 6);
console.log(`confusion matrix (rows: expected, columns: predicted)`);
console.log(`${''.padEnd(18)}${report.labels.map((l) => short(l).padStart(7)).join('')}`);
for (const gold of report.labels) {
  const row = report.confusion[gold];
  if (!row) continue;
  console.log(`${gold.padEnd(18)}${report.labels.map((p) => String(row[p] ?? 0).padStart(7)).join('')}`);
}
if (report.misses.length > 0) {
  console.log(`\nmisclassified (${report.misses.length}):`);
  for (const m of report.misses) console.log(`  [${m.expected} -> ${m.got} via ${m.engine}] ${m.text}`);
}
