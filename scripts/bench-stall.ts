// Usage: npm run bench:stall [-- ROUNDS]
// How long one message holds the hub's event loop during triage (security issue 11, item 1). For each
// input at a channel's size limit (and the inputs hardest for the current engine) it measures, in
// the same run:
//   - in-loop: the CPU time of classifying it synchronously on this thread, as the hub did before
//     triage moved to worker threads (with today's linear engine and the 20,000-character cap; the
//     old engine's figures are in BENCHMARKS.md);
//   - pool: while the same input is classified by startTriagePool, the CPU time of this thread (the
//     loop time the input cost: the target is under 20 ms), the time its event loop was busy
//     (performance.eventLoopUtilization: the same plus any moment the OS gave the core to another
//     process mid-task), and, in another round, the longest stall of the loop
//     (perf_hooks.monitorEventLoopDelay, 1 ms resolution), and how long the answer took;
//   - idle: the longest stall over an idle wait as long as the answer: the machine's own noise.
// Runs the compiled code (dist/), as `npm start` does, so the worker threads load compiled JavaScript.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createTriage, MAX_TRIAGE_CHARS, startTriagePool } from '../src/triage';

const machineLine = () =>
  `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const rounds = Math.min(Math.max(Number(process.argv[2] ?? 5) || 5, 1), 50);
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

/**
 * While `work` runs: the CPU time of this thread (the loop's work itself, whoever else wants the
 * cores) and the time its event loop was busy (performance.eventLoopUtilization: that work plus
 * any moment the OS took the core away mid-task), both in ms, with no timers of our own running.
 */
async function loopDuring(work: () => Promise<unknown>): Promise<{ cpu: number; busy: number }> {
  const before = performance.eventLoopUtilization();
  const cpuBefore = threadCpuMs();
  await work();
  return { cpu: threadCpuMs() - cpuBefore, busy: performance.eventLoopUtilization(before).active };
}

/** The longest stall of this thread's event loop while `work` ran, in ms. */
async function stallDuring(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await work();
  delay.disable();
  return delay.max / 1e6;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const max = (values: number[]) => Math.max(...values);
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));

async function main(): Promise<void> {
  const inLoop = createTriage({});
  const pool = await startTriagePool({});
  try {
    // Warm-up: JIT, the spelling-correction caches and the thread's first messages.
    for (const { text } of inputs) {
      inLoop.classifyLocal(text.slice(0, MAX_TRIAGE_CHARS));
      await pool.classify(text);
    }
    console.log(`${machineLine()}; ${rounds} rounds per input; median (max) over the rounds\n`);
    console.log(
      '| input | in-loop: loop CPU (ms) | pool: loop CPU (ms) | pool: loop busy (ms) | pool: longest stall (ms) | idle: longest stall (ms) | pool: answer (ms) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    let worst = 0;
    for (const { name, text } of inputs) {
      const sync: number[] = [];
      const cpu: number[] = [];
      const busy: number[] = [];
      const stalls: number[] = [];
      const idle: number[] = [];
      const answers: number[] = [];
      for (let round = 0; round < rounds; round++) {
        sync.push((await loopDuring(async () => inLoop.classifyLocal(text.slice(0, MAX_TRIAGE_CHARS)))).cpu);
        let answered = 0;
        const loop = await loopDuring(async () => {
          const started = performance.now();
          await pool.classify(text);
          answered = performance.now() - started;
        });
        cpu.push(loop.cpu);
        busy.push(loop.busy);
        answers.push(answered);
        stalls.push(await stallDuring(() => pool.classify(text)));
        idle.push(
          await stallDuring(() => new Promise((resolve) => setTimeout(resolve, Math.max(answered, 5)))),
        );
      }
      worst = Math.max(worst, max(cpu));
      const cell = (values: number[]) => `${fmt(median(values))} (${fmt(max(values))})`;
      console.log(
        `| ${name} | ${cell(sync)} | **${cell(cpu)}** | ${cell(busy)} | ${cell(stalls)} | ${cell(idle)} | ${cell(answers)} |`,
      );
    }
    console.log(
      `\nMost loop CPU one input cost with the pool: ${fmt(worst)} ms (target < ${TARGET_MS} ms): ${worst < TARGET_MS ? 'met' : 'NOT met'}`,
    );
  } finally {
    await pool.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
