import { Redis } from 'ioredis';

/** For workers: BullMQ needs blocking commands to wait forever rather than fail after N retries. */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * For producers and readiness checks: fail fast when Redis is away, so an API call is answered
 * (the outbox row is already committed and the sweeper enqueues it later) instead of hanging.
 */
export function producerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
}

/** Resolves true once the connection is ready, false after `ms`; leaves no listener behind either way. */
export function waitUntilReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, ms);
    redis.once('ready', onReady);
  });
}
