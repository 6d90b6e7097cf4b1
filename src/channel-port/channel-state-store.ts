import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { channelState } from '../platform/db/schema';
import { storableDeep, storableText } from '../platform/db/storable-text';
import type { ChannelStateStore } from './index';

/** The port's key/value store for one channel, in PostgreSQL (table `channel_state`). */
export function channelStateStore(db: Database, channel: string): ChannelStateStore {
  // Keys are often provider addresses and values provider payloads: text PostgreSQL refuses is
  // replaced the same way the inbound service replaces it in the messages those keys belong to.
  const live = (key: string) =>
    and(
      eq(channelState.channel, channel),
      eq(channelState.key, storableText(key)),
      or(isNull(channelState.expiresAt), gt(channelState.expiresAt, sql`now()`)),
    );
  return {
    async get<T>(key: string): Promise<T | null> {
      const [row] = await db.select({ value: channelState.value }).from(channelState).where(live(key));
      return row ? (row.value as T) : null;
    },
    async set(rawKey, rawValue, options = {}) {
      const key = storableText(rawKey);
      const value = storableDeep(rawValue);
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
      await db
        .delete(channelState)
        .where(and(eq(channelState.channel, channel), eq(channelState.key, storableText(key))));
    },
    async purgeExpired() {
      await db
        .delete(channelState)
        .where(and(eq(channelState.channel, channel), lt(channelState.expiresAt, sql`now()`)));
    },
  };
}
