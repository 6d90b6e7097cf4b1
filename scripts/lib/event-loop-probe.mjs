// Preloaded into a hub process by a benchmark (`node --import scripts/lib/event-loop-probe.mjs ...`)
// to see from outside where its time goes without a line of hub code: every 250 ms it appends one
// JSON line to EVENT_LOOP_PROBE_FILE with, over that interval, the event loop's longest delay and
// its 99th percentile (perf_hooks.monitorEventLoopDelay, 5 ms resolution), the loop's utilization
// (busy / elapsed), the process's CPU time (all threads, triage's included), garbage collection
// (count, total and longest pause) and the heap in use. Without the variable it does nothing.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.EVENT_LOOP_PROBE_FILE;
// The main thread's loop only: a worker thread (triage's) inherits `--import` and would write lines
// of its own to the same file (its loop's delay, and the process's CPU a second time).
if (file && isMainThread) {
  const INTERVAL_MS = 250;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let utilization = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const nowUtilization = performance.eventLoopUtilization();
    const nowCpu = process.cpuUsage();
    const line = {
      t: Date.now(),
      delayMaxMs: delay.max / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      elu: performance.eventLoopUtilization(nowUtilization, utilization).utilization,
      cpuMs: (nowCpu.user - cpu.user + nowCpu.system - cpu.system) / 1000,
      gc,
      heapMb: process.memoryUsage().heapUsed / 2 ** 20,
    };
    utilization = nowUtilization;
    cpu = nowCpu;
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    delay.reset();
    // Synchronous and tiny (four lines a second): an asynchronous write would not land in order.
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, INTERVAL_MS);
  timer.unref();
}
