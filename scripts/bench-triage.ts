// Usage: npm run bench:triage [-- SECONDS]
// Throughput and per-message latency of the local layers (rules + local classifier, no LLM) on one core,
// replaying the eval messages for a bounded time. Wall-clock figures include the moments the OS gives
// the core to other processes; on a shared machine the CPU-time figures (what the process itself spent,
// from getrusage) say what one core can do, and the load average printed beside them says how shared it was.
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { createTriage } from '../src/triage';
import { readEvalFile } from '../src/triage/triage-evaluation';

const seconds = Math.min(Math.max(Number(process.argv[2] ?? 3) || 3, 0.5), 60);
const cases = readEvalFile(path.resolve(__dirname, '../test/fixtures/triage-heldout.jsonl'));
const triage = createTriage({});

// Warm-up so the JIT and the spelling-correction cache are in their steady state.
for (let i = 0; i < 3; i++) for (const c of cases) triage.classifyLocal(c.text, c.context);

const latencies: number[] = [];
const cpuAtStart = process.cpuUsage();
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
const cpu = process.cpuUsage(cpuAtStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

// One more pass, timing each message by the CPU time the process spent on it: all its threads (the
// garbage collector's helpers too), so it can exceed the wall-clock time of a message.
const cpuLatencies: number[] = [];
for (const c of cases) {
  const before = process.cpuUsage();
  triage.classifyLocal(c.text, c.context);
  const spent = process.cpuUsage(before);
  cpuLatencies.push((spent.user + spent.system) / 1e3);
}
cpuLatencies.sort((a, b) => a - b);
latencies.sort((a, b) => a - b);
const quantileOf =
  (sorted: readonly number[]) =>
  (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const quantile = quantileOf(latencies);
const cpuQuantile = quantileOf(cpuLatencies);

console.log(`classifyLocal over ${cases.length} eval messages, ${elapsedSeconds.toFixed(1)} s, one core`);
console.log(`messages:   ${latencies.length}`);
console.log(`throughput: ${Math.round(latencies.length / elapsedSeconds)} msgs/s`);
console.log(
  `latency:    p50 ${quantile(0.5).toFixed(3)} ms, p99 ${quantile(0.99).toFixed(3)} ms, max ${quantile(1).toFixed(3)} ms`,
);
console.log(
  `cpu time:   ${Math.round(latencies.length / cpuSeconds)} msgs per CPU-second; per message p50 ${cpuQuantile(0.5).toFixed(3)} ms, p99 ${cpuQuantile(0.99).toFixed(3)} ms`,
);
console.log(
  `load:       ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1, 5, 15 min) on ${availableParallelism()} cores`,
);
