import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { socketSink } from '../../src/campaigns/campaign-progress';
import { testRedisUrl } from '../support/test-hub';

// Whether anyone watches a clinic's campaigns is asked of the other hub processes through the
// socket.io Redis streams adapter. A hub closes its Redis connection while a progress flush may be
// asking: the ask must settle (counted as watched, as for a process that does not answer) and its
// failure must not escape as an unhandled rejection, which fails whatever runs then.
const settled = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<'never settled'>((resolve) => setTimeout(() => resolve('never settled'), ms)),
  ]);

test('with the Redis connection closed, the watchers question answers yes and leaves no unhandled rejection', async () => {
  const redis = new Redis(testRedisUrl());
  // The adapter reads on duplicates of the client: closed with it at the end, as the hub does.
  const duplicates: Redis[] = [];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const client = duplicate(override);
    duplicates.push(client);
    return client;
  };
  const prefix = `careline-test-${randomBytes(4).toString('hex')}:socket.io`;
  const io = new Server(createServer(), {
    adapter: createAdapter(redis, { streamName: prefix, channelPrefix: prefix, blockTimeInMs: 200 }),
  });
  const sink = socketSink(io);
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    await redis.ping();
    redis.disconnect();
    expect(await settled(sink.watched('org-closed'), 5_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', record);
    await io.close();
    for (const client of duplicates) client.disconnect();
  }
});
