import { randomUUID } from 'node:crypto';
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
 * Takes a sender's slot (KEYS[1], held for the gap ARGV[1] times the sender's slowdown, KEYS[3]) only
 * when fewer than `rate` (ARGV[2]) of its sends were in flight, or ended, in the last second (KEYS[2]:
 * send id -> the time it ended, or while in flight the lease ARGV[4] after it began). Answers 0 when
 * taken, else how long to wait.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gap = math.ceil(tonumber(ARGV[1]) * (tonumber(redis.call('GET', KEYS[3]) or '1') or 1))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 1000)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(gap, tonumber(oldest[2]) + 1001 - now))
end
if not redis.call('SET', KEYS[1], '1', 'PX', gap, 'NX') then
  return math.max(1, redis.call('PTTL', KEYS[1]))
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) + 1000)
return 0`;

/** A send ended (KEYS[1], member ARGV[1]): it counts for one second from now on Redis's clock. */
const RELEASE_SCRIPT = `
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 0`;

/**
 * Spaces sends from one sender at least `1000 / ratePerSecond` ms apart, across every hub process
 * (the slot is a Redis key that expires when the next send may go), and never lets more than
 * `ratePerSecond` of them be in flight or have ended within one second: so no window of one second
 * on the carrier's clock ever holds more than `ratePerSecond` of them.
 *
 * Why both: the carrier sees a send somewhere between its slot and the end of its provider call.
 * Spacing the slots alone let a slow call (a cold SDK, a busy event loop) reach the carrier late,
 * right before the next send on time: arrivals closer than the gap, and a one-second window over
 * the rate. A send that ended within the last second may have arrived within it, so it counts until
 * then; the cost is that a sender with slow calls goes a little below its rate.
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
  /**
   * A send in flight counts as in flight for at most this long (longer than any provider call), so a
   * process that died mid-call holds back one of its sender's sends per second only until then.
   */
  static readonly IN_FLIGHT_LEASE_MS = 60_000;
  readonly gapMs: number;
  /**
   * This process's sends waiting for a slot, in line per key (a sender, or a campaign on it): only
   * the first asks Redis, the others wait their turn here. Each waiter polling on its own timer asked
   * Redis four times per slot (ten concurrent sends at 20/s: 90 scripts a second) and the slot went
   * to whichever timer fired first.
   */
  private readonly lines = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    readonly ratePerSecond: number,
  ) {
    this.gapMs = SenderThrottle.gapFor(ratePerSecond);
  }

  /** The slot's gap at a rate: `1000 / rate` ms plus the jitter margin. */
  private static gapFor(ratePerSecond: number): number {
    const gap = 1000 / ratePerSecond;
    return Math.ceil(gap * (1 + SenderThrottle.JITTER_MARGIN) + Math.min(SenderThrottle.JITTER_MS, gap / 4));
  }

  private key(sender: string, kind: 'slot' | 'slowdown' | 'raised' | 'window') {
    const base = `${this.keyPrefix}:campaign-throttle:${sender}`;
    return kind === 'slot' ? base : `${base}:${kind}`;
  }

  /**
   * Waits until `sender` may send once more, and takes that slot. Answers the release to await once
   * the provider call has ended (whatever its outcome): until then the send counts as in flight.
   */
  async acquire(sender: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    return this.take(sender, this.ratePerSecond, this.gapMs, signal);
  }

  /**
   * A campaign's own slot on `sender`, at its own rate (`campaign.sendRate`) where that is below the
   * sender's: a slot and a window of its own, as `acquire` keeps for the sender (one campaign asking
   * for 2 per second gets no more than 2 in any second, whatever its sends' timing). It does not
   * replace the sender's slot, which the send takes as well: two campaigns on one sender together
   * never exceed the sender's rate. Answers undefined when the campaign goes at the sender's rate.
   * A carrier's "too many requests" slows the sender, and so every campaign on it, not this slot.
   */
  async acquireCampaign(
    sender: string,
    campaign: { id: string; sendRate: number | null },
    signal?: AbortSignal,
  ): Promise<(() => Promise<void>) | undefined> {
    const rate = campaign.sendRate;
    if (rate === null || rate >= this.ratePerSecond) return undefined;
    return this.take(`${sender}:campaign:${campaign.id}`, rate, SenderThrottle.gapFor(rate), signal);
  }

  private async take(
    scope: string,
    ratePerSecond: number,
    gapMs: number,
    signal?: AbortSignal,
  ): Promise<() => Promise<void>> {
    const window = this.key(scope, 'window');
    const id = randomUUID();
    const ahead = this.lines.get(scope) ?? Promise.resolve();
    let leave = () => {};
    const turn = new Promise<void>((resolve) => {
      leave = resolve;
    });
    const line = ahead.then(() => turn);
    this.lines.set(scope, line);
    try {
      await ahead;
      for (;;) {
        if (signal?.aborted) throw new Error('throttle wait aborted');
        const wait = Number(
          await this.redis.eval(
            ACQUIRE_SCRIPT,
            3,
            this.key(scope, 'slot'),
            window,
            this.key(scope, 'slowdown'),
            gapMs,
            Math.max(1, Math.floor(ratePerSecond)),
            id,
            SenderThrottle.IN_FLIGHT_LEASE_MS,
          ),
        );
        if (wait === 0) break;
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, wait)));
      }
    } finally {
      leave();
      if (this.lines.get(scope) === line) this.lines.delete(scope);
    }
    return async () => {
      // Never fails the send it follows: a release lost to Redis leaves the send counted as in
      // flight until its lease ends, which only slows its sender.
      await this.redis.eval(RELEASE_SCRIPT, 1, window, id).catch(() => undefined);
    };
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
