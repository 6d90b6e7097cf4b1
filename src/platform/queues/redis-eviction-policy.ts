import type { Redis } from 'ioredis';

/**
 * BullMQ keeps jobs as ordinary Redis keys: under any eviction policy but `noeviction`, a full Redis
 * silently deletes queued work. PostgreSQL still holds every message (the sweepers bring jobs back),
 * but sends and triage stall until the next sweep, so an operator must hear about it.
 */
export interface EvictionPolicyCheck {
  /** The policy Redis reports, or null when it will not say (managed services often disable CONFIG). */
  policy: string | null;
  /** A sentence for the log and /readyz when the policy can lose jobs or cannot be read; else null. */
  warning: string | null;
}

export async function checkEvictionPolicy(redis: Redis): Promise<EvictionPolicyCheck> {
  let policy: string | null = null;
  try {
    const answer = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    policy = answer[1] ?? null;
  } catch {
    policy = null;
  }
  if (policy === 'noeviction') return { policy, warning: null };
  return {
    policy,
    warning:
      policy === null
        ? 'Redis did not report its maxmemory-policy (CONFIG GET refused); make sure it is noeviction, or queued jobs may be evicted'
        : `Redis maxmemory-policy is ${policy}; set it to noeviction, or Redis may evict queued jobs when it is full`,
  };
}
