import type { EvalReport, Overlap } from './triage-evaluation';

const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const num = (n: number): string => n.toFixed(3);
// Lines are quoted whole in the misses, but a pasted essay would drown the list.
const MAX_QUOTED = 160;
const quote = (text: string): string => (text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);

/** The refusal printed when eval lines are copies of intent examples. */
export function formatOverlaps(file: string, overlaps: readonly Overlap[]): string {
  const lines = [
    `${file}: ${overlaps.length} line(s) also appear in the intents' examples (after normalization);`,
    'an eval on them measures memory, not generalization. Remove or rewrite them:',
    ...overlaps.map((o) => `  line ${o.line} (example of ${o.intent}): ${quote(o.text)}`),
  ];
  return lines.join('\n');
}

/** The human-readable report: per-category recall, false emergencies per kind, F1s, matrix, misses. */
export function formatReport(file: string, report: EvalReport, failures: readonly string[]): string {
  const out: string[] = [
    `triage eval: ${file}`,
    `${report.total} messages, accuracy ${pct(report.accuracy)}`,
    '',
  ];

  if (report.emergencyRecall === null) {
    out.push('emergency recall: not measured (the file holds no emergencies)');
  } else {
    const caught = report.recallByCategory.reduce((s, c) => s + c.caught, 0);
    out.push(`emergency recall ${pct(report.emergencyRecall)} (${caught} of ${report.emergencies})`);
    out.push(`${'  category'.padEnd(26)}${'caught'.padStart(8)}${'of'.padStart(6)}${'recall'.padStart(9)}`);
    for (const c of report.recallByCategory) {
      out.push(
        `${`  ${c.category}`.padEnd(26)}${String(c.caught).padStart(8)}${String(c.support).padStart(6)}${pct(c.recall).padStart(9)}`,
      );
    }
  }
  out.push('', 'false emergencies (non-emergency lines called an emergency)');
  for (const k of report.falseEmergencyByKind) {
    out.push(
      `${`  ${k.kind}`.padEnd(26)}${String(k.falseEmergencies).padStart(8)}${String(k.support).padStart(6)}${pct(k.rate).padStart(9)}`,
    );
  }

  out.push(
    '',
    `${'intent'.padEnd(20)}${'support'.padStart(8)}${'prec'.padStart(8)}${'recall'.padStart(8)}${'F1'.padStart(8)}`,
  );
  for (const s of report.perIntent) {
    out.push(
      `${s.intent.padEnd(20)}${String(s.support).padStart(8)}${num(s.precision).padStart(8)}${num(s.recall).padStart(8)}${num(s.f1).padStart(8)}`,
    );
  }
  out.push(`macro-F1 ${num(report.macroF1)}`, '');

  // Columns are abbreviated to keep the matrix readable in a terminal.
  const short = (label: string): string => label.slice(0, 6);
  out.push('confusion matrix (rows: expected, columns: predicted)');
  out.push(`${''.padEnd(18)}${report.labels.map((l) => short(l).padStart(7)).join('')}`);
  for (const gold of report.labels) {
    const row = report.confusion[gold];
    if (!row) continue;
    out.push(`${gold.padEnd(18)}${report.labels.map((p) => String(row[p] ?? 0).padStart(7)).join('')}`);
  }

  // Missed emergencies first: they are the misses that matter most.
  const missed = [...report.misses].sort(
    (a, b) => Number(b.expected === 'emergency') - Number(a.expected === 'emergency') || a.line - b.line,
  );
  if (missed.length > 0) {
    out.push('', `misclassified (${missed.length}):`);
    for (const m of missed) {
      const label = m.category
        ? `${m.expected}/${m.category}`
        : m.kind
          ? `${m.expected}/${m.kind}`
          : m.expected;
      out.push(
        `  line ${m.line} [${label} -> ${m.got}${m.engine ? ` via ${m.engine}` : ''}] ${quote(m.text)}`,
      );
    }
  }

  out.push('');
  if (failures.length === 0) out.push('targets: met');
  else out.push('targets: NOT met', ...failures.map((f) => `  - ${f}`));
  return out.join('\n');
}
