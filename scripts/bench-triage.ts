// Usage: npm run bench:triage [-- SECONDS]
// Throughput and per-message latency of the local layers (rules + local classifier, no LLM) on one core,
// replaying the eval messages for a bounded time.
import path from 'node:path';
import { createTriage } from '../src/triage';
import { readEvalFile } from '../src/triage/triage-evaluation';

const seconds = Math.min(Math.max(Number(process.argv[2] ?? 3) || 3, 0.5), 60);
const cases = readEvalFile(path.resolve(__dirname, '../test/fixtures/triage-heldout.jsonl'));
const triage = createTriage({});

// Warm-up so the JIT and the spelling-correction cache are in their steady state.
for (let i = 0; i < 3; i++) for (const c of cases) triage.classifyLocal(c.text, c.context);

const latencies: number[] = [];
const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
const started = process.hrtime.bigint();
let now = started;
while (now < deadline) {
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    triage.classifyLocal(c.text, c.context);
    now = process.hrtime.bigint();
    latencies.push(Number(now - t0) / 1e6);
  }
}
const elapsedSeconds = Number(now - started) / 1e9;
latencies.sort((a, b) => a - b);
const quantile = (q: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;

console.log(`classifyLocal over ${cases.length} eval messages, ${elapsedSeconds.toFixed(1)} s, one core`);
console.log(`messages:   ${latencies.length}`);
console.log(`throughput: ${Math.round(latencies.length / elapsedSeconds)} msgs/s`);
console.log(
  `latency:    p50 ${quantile(0.5).toFixed(3)} ms, p99 ${quantile(0.99).toFixed(3)} ms, max ${quantile(1).toFixed(3)} ms`,
);
