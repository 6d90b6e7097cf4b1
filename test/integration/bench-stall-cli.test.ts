import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseRounds, percentile, summarise } from '../../scripts/lib/round-stats';

// `npm run bench:stall` reports a percentile beside the maximum of its rounds, and names the input
// and round of the maximum: one round's maximum swung from 9 to 65 ms on the same code.
const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const script = path.join(root, 'scripts/bench-stall.ts');

function runBench(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [script, ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('round statistics', () => {
  test.each([
    [[5], 95, 5],
    [[3, 1, 2], 50, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95, 19],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 100, 20],
    [[4, 1, 65, 3, 2], 95, 65],
    [[4, 1, 3, 2], 0, 1],
  ])('nearest-rank percentile of %j at p%d is %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('the summary says which round gave the maximum', () => {
    const rounds = [
      2.7, 3.1, 65, 3.9, 2.8, 3.0, 3.2, 2.9, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 2.6, 2.5, 2.4, 2.3, 2.2, 2.1,
    ];
    expect(summarise(rounds)).toEqual({ median: 3.0, p95: 3.9, max: 65, maxRound: 2 });
  });

  test.each([
    [undefined, 20],
    ['7', 7],
    ['1000', 1000],
  ])('rounds %p read as %d', (arg, expected) => {
    expect(parseRounds(arg, 20, 1000)).toBe(expected);
  });

  test.each(['0', '-3', '2.5', 'many', '1001'])('rounds %p are refused', (arg) => {
    expect(() => parseRounds(arg, 20, 1000)).toThrow(/ROUNDS must be a whole number from 1 to 1000/);
  });
});

describe('npm run bench:stall', () => {
  jest.setTimeout(240_000);

  test('takes the rounds count and reports p95 and max, naming the input and round of the max', async () => {
    const rounds = 3;
    const { code, stdout, stderr } = await runBench(String(rounds));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`${rounds} rounds per input`);
    expect(stdout).toMatch(/load average [\d.]+ \/ [\d.]+ \/ [\d.]+/);

    const number = String.raw`(\d+(?:\.\d)?)`;
    const triple = new RegExp(String.raw`^\**${number} / ${number} / ${number}\**$`);
    const rows = stdout
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| input') && !line.startsWith('| ---'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows).toHaveLength(8);
    const poolMax = new Map<string, number>();
    for (const [name, ...cells] of rows) {
      expect(cells).toHaveLength(6);
      for (const c of cells) {
        const [, median, p95, max] = c.match(triple)!.map(Number);
        expect(median).toBeLessThanOrEqual(p95!);
        expect(p95).toBeLessThanOrEqual(max!);
      }
      poolMax.set(name!, Number(cells[1]!.match(triple)![3]));
    }

    const summary = stdout.match(
      /p95: (\S+) ms at most \((.+)\): (?:met|NOT met)\n {2}max: (\S+) ms \((.+), round (\d+) of (\d+); garbage collection on this thread in that round: (.+)\): (?:met|NOT met)/,
    );
    expect(summary).not.toBeNull();
    const [, , p95Input, max, maxInput, round, of] = summary!;
    expect(poolMax.has(p95Input!)).toBe(true);
    // The max named is the largest pool figure in the table, and it belongs to the input named.
    expect(Number(max)).toBe(Math.max(...poolMax.values()));
    expect(poolMax.get(maxInput!)).toBe(Number(max));
    expect(Number(of)).toBe(rounds);
    expect(Number(round)).toBeGreaterThanOrEqual(1);
    expect(Number(round)).toBeLessThanOrEqual(rounds);
  });

  test('refuses a rounds count it cannot use', async () => {
    const { code, stderr } = await runBench('0');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/ROUNDS must be a whole number from 1 to 1,?000/);
  });
});
