// Summaries of a benchmark's repeated rounds. One round's maximum swings with whatever else the
// machine and the garbage collector did in that moment, so a benchmark reports a percentile beside
// it and says which round gave the maximum, so the reader can tell an outlier from a trend.

/** The nearest-rank percentile (p in 0..100) of `values`: a value that was measured, not interpolated. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return sorted[Math.max(rank - 1, 0)]!;
}

export interface RoundSummary {
  median: number;
  p95: number;
  max: number;
  /** Index (from 0) of the first round that gave the maximum. */
  maxRound: number;
}

export function summarise(values: readonly number[]): RoundSummary {
  let maxRound = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[maxRound]!) maxRound = i;
  return {
    median: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length > 0 ? values[maxRound]! : Number.NaN,
    maxRound,
  };
}

/** The rounds count from the command line: a whole number in [1, limit]; `fallback` when absent. */
export function parseRounds(arg: string | undefined, fallback: number, limit: number): number {
  if (arg === undefined) return fallback;
  const rounds = Number(arg);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > limit) {
    throw new Error(`ROUNDS must be a whole number from 1 to ${limit}, not ${JSON.stringify(arg)}`);
  }
  return rounds;
}
