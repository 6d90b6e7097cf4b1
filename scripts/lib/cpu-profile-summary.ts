// Where a V8 CPU profile (node --cpu-prof) spent its main thread's time within a window of wall-clock
// time: self time by function and by where the code lives (a package of node_modules, a file of
// ours, or V8's own "(garbage collector)", "(program)", "(idle)"). For benchmarks that profile a
// child process over several phases and want each phase's share.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  what: string;
  ms: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: ProfileShare[];
  byPlace: ProfileShare[];
}

/** `node_modules/<package>` (scoped ones whole), a path under the repository, or V8's own label. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  const ours = /\/(src|channels|providers|dist)\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

const top = (map: Map<string, number>, n: number): ProfileShare[] =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([what, us]) => ({ what, ms: us / 1000 }));

/**
 * The profile at `file`, whose process exited at `exitedAt` (epoch ms, which fixes its clock to the
 * wall's), summarized over [fromMs, toMs) of wall-clock time.
 */
export function summarizeCpuProfile(
  file: string,
  exitedAt: number,
  fromMs: number,
  toMs: number,
  n = 12,
): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let totalUs = 0;
  // Sample i's time (µs, the profile's clock) and the time it stands for (until the next sample).
  let t = profile.startTime;
  const wallOf = (us: number) => exitedAt - (profile.endTime - us) / 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const span = profile.timeDeltas[i + 1] ?? 0;
    const wall = wallOf(t);
    if (wall < fromMs || wall >= toMs) continue;
    const node = nodes.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    totalUs += span;
    const place = placeOf(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + span);
    byPlace.set(place, (byPlace.get(place) ?? 0) + span);
  }
  return { totalMs: totalUs / 1000, byFunction: top(byFunction, n), byPlace: top(byPlace, n) };
}
