import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SenderThrottle } from '../../src/campaigns/sender-throttle';
import { testRedisUrl } from '../support/test-hub';

/**
 * The campaign sender throttle on the real Redis, as several concurrent sends of one process use it
 * (the campaign send worker runs up to SEND_CONCURRENCY of them, all from one number).
 */
describe('SenderThrottle', () => {
  let redis: Redis;
  let calls: number;
  const prefix = `careline-throttle-test-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    // Every round trip the throttle makes: it uses eval and get, nothing else.
    for (const method of ['eval', 'get'] as const) {
      const original = redis[method].bind(redis) as (...args: unknown[]) => Promise<unknown>;
      (redis as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        calls += 1;
        return original(...args);
      };
    }
  });
  beforeEach(() => {
    calls = 0;
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('sends of one process waiting for a sender take their slots in the order they asked, asking Redis about once per slot', async () => {
    const throttle = new SenderThrottle(redis, prefix, 10);
    const sender = `sms:+1415${Date.now() % 10_000_000}`;
    const granted: number[] = [];
    const waiters = Array.from({ length: 8 }, async (_, i) => {
      const release = await throttle.acquire(sender);
      granted.push(i);
      await release();
    });
    await Promise.all(waiters);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Each waiter polling on its own timer asked two things per poll, every waiter every slot
    // (about 70 round trips here); in line, the first of the line asks, once or twice per slot,
    // and each release is one more.
    expect(calls).toBeLessThanOrEqual(8 * 3 + 2);
  });

  test('a slowed-down sender gets its next slot after the slowed gap, read in the same script as the slot', async () => {
    const throttle = new SenderThrottle(redis, prefix, 10);
    const sender = `sms:+1415${(Date.now() + 1) % 10_000_000}`;
    expect(await throttle.slowDown(sender)).toBe(2);
    // The slowdown holds the next slot for the slowed gap: the first acquire waits it out too.
    const first = await throttle.acquire(sender);
    const firstAt = Date.now();
    await first();
    const second = await throttle.acquire(sender);
    const gap = Date.now() - firstAt;
    await second();
    // At least twice the gap on Redis's clock; a little is allowed for the two answers' travel.
    expect(gap).toBeGreaterThanOrEqual(2 * throttle.gapMs - 30);
  });

  test("two campaigns on one sender, each at its own rate below the sender's, never exceed the sender's rate together", async () => {
    const throttle = new SenderThrottle(redis, prefix, 4);
    const sender = `sms:+1415${(Date.now() + 2) % 10_000_000}`;
    const seen: Record<string, number[]> = { a: [], b: [] };
    // As the campaign send worker takes them: the campaign's own slot, then the sender's.
    const send = async (campaign: 'a' | 'b') => {
      const own = await throttle.acquireCampaign(sender, { id: campaign, sendRate: 3 });
      const release = await throttle.acquire(sender);
      seen[campaign]!.push(Date.now());
      await release();
      await own?.();
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => send(i % 2 === 0 ? 'a' : 'b')));
    const mostInASecond = (times: number[]) => {
      const sorted = [...times].sort((x, y) => x - y);
      return Math.max(
        ...sorted.map((at) => sorted.filter((other) => other >= at && other < at + 1000).length),
      );
    };
    expect(mostInASecond([...seen.a!, ...seen.b!])).toBeLessThanOrEqual(4);
    expect(mostInASecond(seen.a!)).toBeLessThanOrEqual(3);
    expect(mostInASecond(seen.b!)).toBeLessThanOrEqual(3);
    // A campaign at or above the sender's rate takes the sender's slot only.
    expect(await throttle.acquireCampaign(sender, { id: 'c', sendRate: 4 })).toBeUndefined();
    expect(await throttle.acquireCampaign(sender, { id: 'c', sendRate: null })).toBeUndefined();
  });
});
