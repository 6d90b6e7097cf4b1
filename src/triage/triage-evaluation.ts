import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Triage, TriageContext } from './triage';

const evalLineSchema = z.object({
  text: z.string(),
  intent: z.string().min(1),
  urgency: z.string().optional(),
  /** Optional, for short replies that only mean something after a given outbound message. */
  context: z
    .object({ lastOutboundTemplate: z.string().optional(), language: z.string().optional() })
    .optional(),
});

export type EvalCase = z.infer<typeof evalLineSchema>;

export interface IntentScore {
  intent: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalReport {
  total: number;
  accuracy: number;
  perIntent: IntentScore[];
  macroF1: number;
  emergencyRecall: number;
  /** Share of messages that are not emergencies but were classified as one. */
  falseEmergencyRate: number;
  labels: string[];
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  misses: { text: string; expected: string; got: string; engine: string }[];
}

const EMERGENCY = 'emergency';

/** Reads a JSONL file of `{"text", "intent", "urgency"?, "context"?}`; throws naming the bad line. */
export function readEvalFile(file: string): EvalCase[] {
  const cases: EvalCase[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    const parsed = evalLineSchema.safeParse(data);
    if (!parsed.success)
      throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => x.message).join('; ')}`);
    cases.push(parsed.data);
  }
  return cases;
}

/** Scores `classifyLocal` (no LLM) against labelled cases. */
export function evaluate(triage: Triage, cases: readonly EvalCase[]): EvalReport {
  const confusion: Record<string, Record<string, number>> = {};
  const misses: EvalReport['misses'] = [];
  let correct = 0;
  let emergencies = 0;
  let emergenciesCaught = 0;
  let nonEmergencies = 0;
  let falseEmergencies = 0;
  for (const c of cases) {
    const result = triage.classifyLocal(c.text, c.context as TriageContext | undefined);
    const row = confusion[c.intent] ?? {};
    confusion[c.intent] = row;
    row[result.intent] = (row[result.intent] ?? 0) + 1;
    if (result.intent === c.intent) correct++;
    else misses.push({ text: c.text, expected: c.intent, got: result.intent, engine: result.engine });
    if (c.intent === EMERGENCY) {
      emergencies++;
      if (result.intent === EMERGENCY) emergenciesCaught++;
    } else {
      nonEmergencies++;
      if (result.intent === EMERGENCY) falseEmergencies++;
    }
  }
  const gold = [...new Set(cases.map((c) => c.intent))].sort();
  const predictedOnly = new Set<string>();
  for (const row of Object.values(confusion))
    for (const p of Object.keys(row)) if (!gold.includes(p)) predictedOnly.add(p);
  const labels = [...gold, ...[...predictedOnly].sort()];
  const perIntent = gold.map((intent) => {
    const tp = confusion[intent]?.[intent] ?? 0;
    const support = Object.values(confusion[intent] ?? {}).reduce((a, b) => a + b, 0);
    const predicted = Object.values(confusion).reduce((sum, row) => sum + (row[intent] ?? 0), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { intent, support, precision, recall, f1 };
  });
  return {
    total: cases.length,
    accuracy: cases.length === 0 ? 0 : correct / cases.length,
    perIntent,
    macroF1: perIntent.length === 0 ? 0 : perIntent.reduce((s, p) => s + p.f1, 0) / perIntent.length,
    emergencyRecall: emergencies === 0 ? 1 : emergenciesCaught / emergencies,
    falseEmergencyRate: nonEmergencies === 0 ? 0 : falseEmergencies / nonEmergencies,
    labels,
    confusion,
    misses,
  };
}
