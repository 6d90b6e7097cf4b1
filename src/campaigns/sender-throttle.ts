import type { Redis } from 'ioredis';

/**
 * Spaces sends from one sender at least `1000 / ratePerSecond` ms apart, across every hub process
 * (the slot is a Redis key that expires when the next send may go), so no window of one second ever
 * holds more than `ratePerSecond` of them.
 *
 * Why not rate-limiter-flexible's Redis limiter: it keeps its windows in whole seconds (EX), so it
 * allows `rate` sends in a burst at the start of each second and up to twice the rate across a
 * window boundary. Why not BullMQ's queue limiter: it limits a queue, not each from-number.
 */
export class SenderThrottle {
  /**
   * Between the gate and the carrier's clock lie the provider SDK, a network hop and, on a busy
   * machine, event-loop delays (over 150 ms were seen on the shared 2-core test machine): each gap
   * gets 5 % more, plus up to 50 ms (at most a quarter of the gap, so a high rate keeps most of it).
   */
  static readonly JITTER_MARGIN = 0.05;
  static readonly JITTER_MS = 50;
  readonly gapMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    readonly ratePerSecond: number,
  ) {
    const gap = 1000 / ratePerSecond;
    this.gapMs = Math.ceil(
      gap * (1 + SenderThrottle.JITTER_MARGIN) + Math.min(SenderThrottle.JITTER_MS, gap / 4),
    );
  }

  /** Waits until `sender` may send once more, and takes that slot. */
  async acquire(sender: string, signal?: AbortSignal): Promise<void> {
    const key = `${this.keyPrefix}:campaign-throttle:${sender}`;
    for (;;) {
      if (signal?.aborted) throw new Error('throttle wait aborted');
      const taken = await this.redis.set(key, '1', 'PX', this.gapMs, 'NX');
      if (taken === 'OK') return;
      const wait = await this.redis.pttl(key);
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, wait)));
    }
  }
}
