import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { ChannelStateStore } from '../channel-port';
import type { Database } from '../db/database';
import { channelState } from '../db/schema';

/** The port's key/value store for one channel, in PostgreSQL (table `channel_state`). */
export function channelStateStore(db: Database, channel: string): ChannelStateStore {
  const live = (key: string) =>
    and(
      eq(channelState.channel, channel),
      eq(channelState.key, key),
      or(isNull(channelState.expiresAt), gt(channelState.expiresAt, sql`now()`)),
    );
  return {
    async get<T>(key: string): Promise<T | null> {
      const [row] = await db.select({ value: channelState.value }).from(channelState).where(live(key));
      return row ? (row.value as T) : null;
    },
    async set(key, value, options = {}) {
      const expiresAt = options.ttlSeconds ? new Date(Date.now() + options.ttlSeconds * 1000) : null;
      await db
        .insert(channelState)
        .values({ channel, key, value, expiresAt })
        .onConflictDoUpdate({
          target: [channelState.channel, channelState.key],
          set: { value, expiresAt, updatedAt: sql`now()` },
        });
    },
    async delete(key) {
      await db.delete(channelState).where(and(eq(channelState.channel, channel), eq(channelState.key, key)));
    },
    async purgeExpired() {
      await db
        .delete(channelState)
        .where(and(eq(channelState.channel, channel), lt(channelState.expiresAt, sql`now()`)));
    },
  };
}
