import type { Redis } from 'ioredis';

/**
 * Doubles a sender's slowdown (at most once per second, however many sends in flight were refused
 * together), holds its next slot for the slowed gap, and keeps the slowdown for `recoverMs`.
 */
const SLOW_DOWN_SCRIPT = `
local factor = tonumber(redis.call('GET', KEYS[1]) or '1')
local gap = tonumber(ARGV[3])
if redis.call('SET', KEYS[3], '1', 'PX', math.max(1000, math.floor(factor * gap)), 'NX') then
  factor = math.min(factor * 2, tonumber(ARGV[1]))
end
redis.call('SET', KEYS[1], factor, 'PX', ARGV[2])
redis.call('SET', KEYS[2], '1', 'PX', math.floor(factor * gap))
return factor`;

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
  /** A carrier's "too many requests" halves the sender's pace, down to a sixteenth of it... */
  static readonly MAX_SLOWDOWN = 16;
  /** ... until this long passes without another one: then the sender is back at its full rate. */
  static readonly SLOWDOWN_RECOVERY_MS = 60_000;
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

  private key(sender: string, kind: 'slot' | 'slowdown' | 'raised') {
    const base = `${this.keyPrefix}:campaign-throttle:${sender}`;
    return kind === 'slot' ? base : `${base}:${kind}`;
  }

  /** Waits until `sender` may send once more, and takes that slot. */
  async acquire(sender: string, signal?: AbortSignal): Promise<void> {
    const key = this.key(sender, 'slot');
    for (;;) {
      if (signal?.aborted) throw new Error('throttle wait aborted');
      const gap = Math.ceil(this.gapMs * (await this.slowdownOf(sender)));
      const taken = await this.redis.set(key, '1', 'PX', gap, 'NX');
      if (taken === 'OK') return;
      const wait = await this.redis.pttl(key);
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, wait)));
    }
  }

  /** How many times slower than its rate `sender` goes now (1: its full rate). */
  async slowdownOf(sender: string): Promise<number> {
    return Number(await this.redis.get(this.key(sender, 'slowdown'))) || 1;
  }

  /**
   * The carrier said "too many requests" to a send from `sender`: every process sends from it at
   * half the pace it had (the next slot waits the slowed gap), recovering its rate after a quiet
   * minute. Answers the new slowdown.
   */
  async slowDown(sender: string): Promise<number> {
    const factor = await this.redis.eval(
      SLOW_DOWN_SCRIPT,
      3,
      this.key(sender, 'slowdown'),
      this.key(sender, 'slot'),
      this.key(sender, 'raised'),
      SenderThrottle.MAX_SLOWDOWN,
      SenderThrottle.SLOWDOWN_RECOVERY_MS,
      this.gapMs,
    );
    return Number(factor);
  }
}
