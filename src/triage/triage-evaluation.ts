import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { URGENCIES } from './intent-schema';
import type { TriageContext } from './triage';

/** What a line is about, so false emergencies can be counted where they hurt differently. */
export const EVAL_KINDS = ['emergency', 'clinical', 'admin', 'offtopic'] as const;
export type EvalKind = (typeof EVAL_KINDS)[number];

const EMERGENCY = 'emergency';

const evalLineSchema = z.object({
  text: z.string().min(1),
  intent: z.string().min(1),
  urgency: z.enum(URGENCIES).optional(),
  kind: z.enum(EVAL_KINDS).optional(),
  /** Emergencies only: the protocol category (cardiac, stroke, self_harm, ...), for per-category recall. */
  category: z
    .string()
    .regex(/^[a-z][a-z_]*$/, 'category must be snake_case')
    .optional(),
  lang: z.string().min(2).max(10).optional(),
  /** Optional, for short replies that only mean something after a given outbound message. */
  context: z
    .object({ lastOutboundTemplate: z.string().optional(), language: z.string().optional() })
    .optional(),
});

export type EvalCase = z.infer<typeof evalLineSchema> & { line: number };

export class EvalFileError extends Error {
  readonly code = 'EVAL_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'EvalFileError';
  }
}

/**
 * Reads a JSONL file of `{"text", "intent", "urgency"?, "kind"?, "category"?, "lang"?, "context"?}`;
 * throws EvalFileError naming the bad line. Each case keeps its line number so reports can point at it.
 */
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
      throw new EvalFileError(`${file}:${i + 1}: not valid JSON`);
    }
    const parsed = evalLineSchema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((x) => `${x.path.join('.') || '(line)'}: ${x.message}`);
      throw new EvalFileError(`${file}:${i + 1}: ${issues.join('; ')}`);
    }
    const kind = parsed.data.kind;
    if (kind && (kind === 'emergency') !== (parsed.data.intent === EMERGENCY)) {
      throw new EvalFileError(
        `${file}:${i + 1}: kind "emergency" goes with intent "emergency" and only with it`,
      );
    }
    cases.push({ ...parsed.data, line: i + 1 });
  }
  return cases;
}

/**
 * The form two texts are compared in to decide they are "the same message": lower case, accents
 * and punctuation (and emoji) removed, whitespace collapsed. Deliberately blunt: a held-out line that
 * differs from a training example only by a comma or an accent measures memory, not generalization.
 */
export function normalizeForOverlap(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface Overlap {
  line: number;
  text: string;
  /** The intent whose examples hold the same text. */
  intent: string;
}

/** Eval lines that are also an intent example after normalizeForOverlap, in file order. */
export function findOverlaps(
  cases: readonly EvalCase[],
  intents: readonly { name: string; examples: readonly string[]; offTopicExamples?: readonly string[] }[],
): Overlap[] {
  const owner = new Map<string, string>();
  for (const intent of intents) {
    for (const example of [...intent.examples, ...(intent.offTopicExamples ?? [])]) {
      owner.set(normalizeForOverlap(example), intent.name);
    }
  }
  const overlaps: Overlap[] = [];
  for (const c of cases) {
    const intent = owner.get(normalizeForOverlap(c.text));
    if (intent !== undefined) overlaps.push({ line: c.line, text: c.text, intent });
  }
  return overlaps;
}

/** The classifier under evaluation; the CLI passes the local layers (no LLM). */
export type Classify = (text: string, context?: TriageContext) => { intent: string; engine?: string };

export interface IntentScore {
  intent: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface CategoryRecall {
  category: string;
  support: number;
  caught: number;
  recall: number;
}

export interface KindFalseEmergencies {
  kind: string;
  support: number;
  falseEmergencies: number;
  rate: number;
}

export interface EvalMiss {
  line: number;
  text: string;
  expected: string;
  got: string;
  engine: string;
  kind?: string;
  category?: string;
}

export interface EvalReport {
  total: number;
  accuracy: number;
  perIntent: IntentScore[];
  macroF1: number;
  emergencies: number;
  /** null when the file holds no emergency: nothing was measured, which is not 100%. */
  emergencyRecall: number | null;
  recallByCategory: CategoryRecall[];
  /** Per kind of non-emergency line (lines without a kind count as `unlabelled`). */
  falseEmergencyByKind: KindFalseEmergencies[];
  labels: string[];
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  misses: EvalMiss[];
}

const UNCATEGORIZED = 'uncategorized';
const UNLABELLED = 'unlabelled';

function countInto(map: Map<string, { support: number; hits: number }>, key: string, hit: boolean): void {
  const entry = map.get(key) ?? { support: 0, hits: 0 };
  entry.support++;
  if (hit) entry.hits++;
  map.set(key, entry);
}

/** Scores `classify` against labelled cases. */
export function evaluate(classify: Classify, cases: readonly EvalCase[]): EvalReport {
  const confusion: Record<string, Record<string, number>> = {};
  const misses: EvalMiss[] = [];
  const byCategory = new Map<string, { support: number; hits: number }>();
  const byKind = new Map<string, { support: number; hits: number }>();
  let correct = 0;
  for (const c of cases) {
    const result = classify(c.text, c.context);
    const row = confusion[c.intent] ?? {};
    confusion[c.intent] = row;
    row[result.intent] = (row[result.intent] ?? 0) + 1;
    if (result.intent === c.intent) correct++;
    else {
      misses.push({
        line: c.line,
        text: c.text,
        expected: c.intent,
        got: result.intent,
        engine: result.engine ?? '',
        ...(c.kind ? { kind: c.kind } : {}),
        ...(c.category ? { category: c.category } : {}),
      });
    }
    const calledEmergency = result.intent === EMERGENCY;
    if (c.intent === EMERGENCY) countInto(byCategory, c.category ?? UNCATEGORIZED, calledEmergency);
    else countInto(byKind, c.kind ?? UNLABELLED, calledEmergency);
  }
  const gold = [...new Set(cases.map((c) => c.intent))].sort();
  const predictedOnly = new Set<string>();
  for (const row of Object.values(confusion))
    for (const p of Object.keys(row)) if (!gold.includes(p)) predictedOnly.add(p);
  const perIntent = gold.map((intent) => {
    const tp = confusion[intent]?.[intent] ?? 0;
    const support = Object.values(confusion[intent] ?? {}).reduce((a, b) => a + b, 0);
    const predicted = Object.values(confusion).reduce((sum, row) => sum + (row[intent] ?? 0), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { intent, support, precision, recall, f1 };
  });
  const recallByCategory = [...byCategory]
    .map(([category, { support, hits }]) => ({ category, support, caught: hits, recall: hits / support }))
    .sort((a, b) => a.category.localeCompare(b.category));
  const kindOrder = (kind: string): number => {
    const index = (EVAL_KINDS as readonly string[]).indexOf(kind);
    return index === -1 ? EVAL_KINDS.length : index;
  };
  const falseEmergencyByKind = [...byKind]
    .map(([kind, { support, hits }]) => ({ kind, support, falseEmergencies: hits, rate: hits / support }))
    .sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
  const emergencies = recallByCategory.reduce((sum, c) => sum + c.support, 0);
  const caught = recallByCategory.reduce((sum, c) => sum + c.caught, 0);
  return {
    total: cases.length,
    accuracy: cases.length === 0 ? 0 : correct / cases.length,
    perIntent,
    macroF1: perIntent.length === 0 ? 0 : perIntent.reduce((s, p) => s + p.f1, 0) / perIntent.length,
    emergencies,
    emergencyRecall: emergencies === 0 ? null : caught / emergencies,
    recallByCategory,
    falseEmergencyByKind,
    labels: [...gold, ...[...predictedOnly].sort()],
    confusion,
    misses,
  };
}

export interface EvalTargets {
  emergencyRecall: number;
  /** Highest share of lines of each kind that may be called an emergency. */
  maxFalseEmergencyRate: Partial<Record<EvalKind, number>>;
  macroF1: number;
}

/** Triage-safety issue 12's targets: every emergency caught, few false alarms, macro-F1 ≥ 0.9. */
export const TRIAGE_TARGETS: EvalTargets = {
  emergencyRecall: 1,
  maxFalseEmergencyRate: { clinical: 0.01, offtopic: 0.002 },
  macroF1: 0.9,
};

/**
 * The targets the report misses, one sentence each; empty when all are met. A target that the file
 * cannot measure (no emergencies, no lines of a kind) is missed: a file that cannot show it is met
 * must not pass.
 */
export function checkTargets(report: EvalReport, targets: EvalTargets = TRIAGE_TARGETS): string[] {
  const failures: string[] = [];
  const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
  if (report.emergencyRecall === null) {
    failures.push('emergency recall not measured: the file holds no emergencies');
  } else if (report.emergencyRecall < targets.emergencyRecall) {
    failures.push(`emergency recall ${pct(report.emergencyRecall)} < ${pct(targets.emergencyRecall)}`);
  }
  for (const [kind, max] of Object.entries(targets.maxFalseEmergencyRate)) {
    const measured = report.falseEmergencyByKind.find((k) => k.kind === kind);
    if (!measured) failures.push(`false-emergency rate of ${kind} not measured: no ${kind} lines`);
    else if (measured.rate > max!) {
      failures.push(`false-emergency rate of ${kind} ${pct(measured.rate)} > ${pct(max!)}`);
    }
  }
  if (report.macroF1 < targets.macroF1) {
    failures.push(`macro-F1 ${report.macroF1.toFixed(3)} < ${targets.macroF1.toFixed(3)}`);
  }
  return failures;
}
