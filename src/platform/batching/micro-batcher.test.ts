import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  test('a lone submission is written at once, by itself', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (xs) => {
        batches.push(xs);
        return xs.map((x) => x * 2);
      },
      { maxBatch: 10, concurrency: 1 },
    );
    expect(await batcher.submit(4)).toBe(8);
    expect(batches).toEqual([[4]]);
  });

  test('submissions arriving during a write go into the next batch, capped at maxBatch, results in order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const batcher = new MicroBatcher<number, string>(
      async (xs) => {
        batches.push(xs);
        if (batches.length === 1) await gate;
        return xs.map((x) => `r${x}`);
      },
      { maxBatch: 3, concurrency: 1 },
    );
    const first = batcher.submit(0);
    const rest = [1, 2, 3, 4, 5].map((x) => batcher.submit(x));
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  test('when a batch fails, items are retried alone and only the bad one is rejected', async () => {
    const errors: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(
      async (xs) => {
        calls += 1;
        if (calls === 1) await gate;
        if (xs.includes(13)) throw new Error('unlucky');
        return xs;
      },
      { maxBatch: 10, concurrency: 1, onBatchError: (_e, size) => errors.push(size) },
    );
    const first = batcher.submit(1);
    const results = [12, 13, 14].map((x) => batcher.submit(x).catch((e: Error) => e.message));
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(results)).toEqual([12, 'unlucky', 14]);
    expect(errors).toEqual([3]);
  });

  test('no more than `concurrency` batches are written at once', async () => {
    let active = 0;
    let peak = 0;
    const batcher = new MicroBatcher<number, number>(
      async (xs) => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active -= 1;
        return xs;
      },
      { maxBatch: 2, concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.submit(i)));
    expect(peak).toBe(3);
  });
});
