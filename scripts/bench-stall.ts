// Usage: npm run bench:stall [-- ROUNDS]   (rounds per input, default 20, at most 1,000)
// How long one message holds the hub's event loop during triage (security issue 11, item 1). For each
// input at a channel's size limit (and the inputs hardest for the current engine) it measures, in
// the same run, ROUNDS times:
//   - in-loop: the CPU time of classifying it synchronously on this thread, as the hub did before
//     triage moved to worker threads (with today's linear engine and the 20,000-character cap; the
//     old engine's figures are in BENCHMARKS.md);
//   - pool: while the same input is classified by startTriagePool, the CPU time of this thread (the
//     loop time the input cost: the target is under 20 ms), the time its event loop was busy
//     (performance.eventLoopUtilization: the same plus any moment the OS gave the core to another
//     process mid-task), and, in another round, the longest stall of the loop
//     (perf_hooks.monitorEventLoopDelay, 1 ms resolution), and how long the answer took;
//   - idle: the longest stall over an idle wait as long as the answer: the machine's own noise.
// Each cell is the median / p95 / max over the rounds; the summary names the input and round of the
// maximum and the garbage collections this thread ran in that round (PerformanceObserver 'gc').
// The pool is measured first, on a thread that holds what the hub's event loop holds: the pool, not
// an engine. The in-loop column comes after the pool is closed: the engine's heap and the garbage of
// its synchronous runs once sat beside the pool's rounds, and a collection of them (up to 31 ms of
// this thread's CPU for a major one) was counted as the pool's cost of an input.
// Runs the compiled code (dist/), as `npm start` does, so the worker threads load compiled JavaScript.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createTriage, MAX_TRIAGE_CHARS, startTriagePool } from '../src/triage';
import { parseRounds, type RoundSummary, summarise } from './lib/round-stats';

const machineLine = () =>
  `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const loadLine = () =>
  `load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')} (1 / 5 / 15 min)`;
const rounds = (() => {
  try {
    return parseRounds(process.argv[2], 20, 1_000);
  } catch (error) {
    console.error(`Usage: npm run bench:stall [-- ROUNDS]: ${(error as Error).message}`);
    process.exit(2);
  }
})();
const TARGET_MS = 20;

const repeat = (phrase: string, chars: number) =>
  phrase.repeat(Math.ceil(chars / phrase.length)).slice(0, chars);
// Distinct near-misses of red-flag words: each one runs the spelling correction against the lexicon.
const misspellings = (chars: number) => {
  const words: string[] = [];
  for (let i = 0, length = 0; length < chars; i++) {
    const word = `chst${i.toString(26).replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)))}`;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, chars);
};

const inputs: { name: string; text: string }[] = [
  { name: 'SMS body, 1,600 chars of "chest pain"', text: repeat('chest pain ', 1_600) },
  { name: 'web chat, 2,000 chars of "chest pain"', text: repeat('chest pain ', 2_000) },
  { name: 'voicemail transcript, 20,000 chars', text: repeat('chest pain ', 20_000) },
  { name: 'Bot Framework, 28,000 chars', text: repeat('chest pain ', 28_000) },
  { name: 'classify API / email, 100,000 chars', text: repeat('chest pain ', 100_000) },
  {
    name: '"no chest pain and it stopped", 100,000 chars',
    text: repeat('no chest pain and it stopped ', 100_000),
  },
  { name: '20,000 chars of distinct misspellings', text: misspellings(20_000) },
  { name: '20,000 chars of "<"', text: '<'.repeat(20_000) },
];

/** CPU time this (the main) thread has used, in ms, from Linux's schedstat (ns); NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** A garbage collection this thread ran (its pause, wall-clock ms, on performance.now()'s clock). */
interface GcPause {
  start: number;
  duration: number;
  kind: string;
}
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const gcPauses: GcPause[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // A 'gc' entry's detail says which collection it was (Node's types leave `detail` out).
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
    gcPauses.push({ start: entry.startTime, duration: entry.duration, kind: GC_KINDS[kind] ?? 'other' });
  }
});

/** One measured round of the pool: where it sat on the clock, to find the collections inside it. */
interface Window {
  from: number;
  to: number;
}

/**
 * While `work` runs: the CPU time of this thread (the loop's work itself, whoever else wants the
 * cores) and the time its event loop was busy (performance.eventLoopUtilization: that work plus
 * any moment the OS took the core away mid-task), both in ms, with no timers of our own running.
 */
async function loopDuring(
  work: () => Promise<unknown>,
): Promise<{ cpu: number; busy: number; window: Window }> {
  const before = performance.eventLoopUtilization();
  const from = performance.now();
  const cpuBefore = threadCpuMs();
  await work();
  const cpu = threadCpuMs() - cpuBefore;
  return {
    cpu,
    busy: performance.eventLoopUtilization(before).active,
    window: { from, to: performance.now() },
  };
}

/** The longest stall of this thread's event loop while `work` ran, in ms. */
async function stallDuring(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await work();
  delay.disable();
  return delay.max / 1e6;
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
const cell = ({ median, p95, max }: RoundSummary) => `${fmt(median)} / ${fmt(p95)} / ${fmt(max)}`;

interface PoolRounds {
  cpu: number[];
  busy: number[];
  windows: Window[];
  stalls: number[];
  idle: number[];
  answers: number[];
}

/** The pool's rounds, on a thread that, like the hub's event loop, holds no engine of its own. */
async function measurePool(): Promise<PoolRounds[]> {
  const pool = await startTriagePool({});
  try {
    // Warm-up: JIT and the thread's first messages (its spelling-correction caches included).
    for (const { text } of inputs) await pool.classify(text);
    const measured: PoolRounds[] = [];
    for (const { text } of inputs) {
      const row: PoolRounds = { cpu: [], busy: [], windows: [], stalls: [], idle: [], answers: [] };
      for (let round = 0; round < rounds; round++) {
        let answered = 0;
        const loop = await loopDuring(async () => {
          const started = performance.now();
          await pool.classify(text);
          answered = performance.now() - started;
        });
        row.cpu.push(loop.cpu);
        row.busy.push(loop.busy);
        row.windows.push(loop.window);
        row.answers.push(answered);
        row.stalls.push(await stallDuring(() => pool.classify(text)));
        row.idle.push(
          await stallDuring(() => new Promise((resolve) => setTimeout(resolve, Math.max(answered, 5)))),
        );
      }
      measured.push(row);
    }
    return measured;
  } finally {
    await pool.close();
  }
}

/** The same inputs classified synchronously on this thread, as the hub did before the pool. */
function measureInLoop(): number[][] {
  const inLoop = createTriage({});
  for (const { text } of inputs) inLoop.classifyLocal(text.slice(0, MAX_TRIAGE_CHARS));
  return inputs.map(({ text }) =>
    Array.from({ length: rounds }, () => {
      const before = threadCpuMs();
      inLoop.classifyLocal(text.slice(0, MAX_TRIAGE_CHARS));
      return threadCpuMs() - before;
    }),
  );
}

/** The collections this thread ran within `window`, e.g. "major 28 ms, minor 1.2 ms"; "none". */
function gcWithin(window: Window): string {
  const inside = gcPauses.filter(
    ({ start, duration }) => start < window.to && start + duration > window.from,
  );
  return inside.length === 0
    ? 'none'
    : inside.map(({ kind, duration }) => `${kind} ${fmt(duration)} ms`).join(', ');
}

async function main(): Promise<void> {
  console.log(`${machineLine()}; ${loadLine()} at the start; ${rounds} rounds per input`);
  gcObserver.observe({ entryTypes: ['gc'] });
  const pooled = await measurePool();
  // Observer entries arrive after the collection; let the last ones in before reading them.
  await new Promise((resolve) => setTimeout(resolve, 50));
  gcObserver.disconnect();
  const inLoop = measureInLoop();
  console.log(`${loadLine()} at the end; each cell: median / p95 / max over the rounds, in ms\n`);
  console.log(
    '| input | in-loop: loop CPU | pool: loop CPU | pool: loop busy | pool: longest stall | idle: longest stall | pool: answer |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  let worst: { name: string; summary: RoundSummary; window: Window } | undefined;
  let worstP95: { name: string; p95: number } | undefined;
  inputs.forEach(({ name }, i) => {
    const row = pooled[i]!;
    const cpu = summarise(row.cpu);
    if (!worst || cpu.max > worst.summary.max)
      worst = { name, summary: cpu, window: row.windows[cpu.maxRound]! };
    if (!worstP95 || cpu.p95 > worstP95.p95) worstP95 = { name, p95: cpu.p95 };
    const cells = [inLoop[i]!, row.cpu, row.busy, row.stalls, row.idle, row.answers].map((values) =>
      cell(summarise(values)),
    );
    cells[1] = `**${cells[1]}**`;
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  });
  if (!worst || !worstP95) return;
  const verdict = (ms: number) => (ms < TARGET_MS ? 'met' : 'NOT met');
  console.log(
    `\nLoop CPU one input cost with the pool, ${rounds} rounds per input (target < ${TARGET_MS} ms):` +
      `\n  p95: ${fmt(worstP95.p95)} ms at most (${worstP95.name}): ${verdict(worstP95.p95)}` +
      `\n  max: ${fmt(worst.summary.max)} ms (${worst.name}, round ${worst.summary.maxRound + 1} of ${rounds};` +
      ` garbage collection on this thread in that round: ${gcWithin(worst.window)}): ${verdict(worst.summary.max)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
