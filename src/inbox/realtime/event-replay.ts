import { and, asc, desc, eq, gt, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { HubEventType, StoredHubEvent } from '../../conversations/hub-events';
import type { Queryable } from '../../platform/db/database';
import { hubEvents } from '../../platform/db/schema';

type Row = typeof hubEvents.$inferSelect;

const toEvent = (row: Row): StoredHubEvent => ({
  id: row.id,
  orgId: row.orgId,
  type: row.type as HubEventType,
  conversationId: row.conversationId ?? '',
  messageId: row.messageId,
  queue: row.queue ?? '',
  payload: row.payload,
});

/** Events in the given queues, with no queue, or transferred out of one of them. */
function visibleIn(queues: string[]): SQL | undefined {
  return or(
    inArray(hubEvents.queue, queues),
    isNull(hubEvents.queue),
    // A transfer out of one of her queues: she saw it arrive, she sees it leave.
    inArray(sql`${hubEvents.payload} ->> 'previousQueue'`, queues),
  );
}

/** Stored events of an organization after `afterId`, in id order, for the given queues (or none). */
export async function loadEventsAfter(
  db: Queryable,
  options: { orgId: string; afterId: number; queues: string[]; limit: number },
): Promise<StoredHubEvent[]> {
  const rows = await db
    .select()
    .from(hubEvents)
    .where(
      and(eq(hubEvents.orgId, options.orgId), gt(hubEvents.id, options.afterId), visibleIn(options.queues)),
    )
    .orderBy(asc(hubEvents.id))
    .limit(options.limit);
  return rows.map(toEvent);
}

/**
 * Events with ids below `beforeId` stored up to `lookBackSeconds` before the event `beforeId` (or,
 * when that id is another organization's, the newest of this one below it), in id order: at most
 * `limit`, the highest ids kept.
 *
 * Why: ids come from a sequence and are taken at insert, but a transaction that took id 41 may
 * commit after one that took 42. A client that saw 42 live and reconnects with lastEventId=42 never
 * gets 41 from `loadEventsAfter`. Such a late event's transaction was still open when 42 committed,
 * so it started (`created_at` is the transaction's start) less than the longest transaction before
 * 42's did: re-sending what was stored within that window before 42 covers it. The client already
 * has most of these and drops them by id (socket clients must de-duplicate by `id`).
 */
export async function loadRecentEventsBefore(
  db: Queryable,
  options: { orgId: string; beforeId: number; queues: string[]; lookBackSeconds: number; limit: number },
): Promise<StoredHubEvent[]> {
  if (options.lookBackSeconds <= 0 || options.limit <= 0) return [];
  const anchor = sql`(select a.created_at from ${hubEvents} a
    where a.org_id = ${options.orgId} and a.id <= ${options.beforeId} order by a.id desc limit 1)`;
  const rows = await db
    .select()
    .from(hubEvents)
    .where(
      and(
        eq(hubEvents.orgId, options.orgId),
        lt(hubEvents.id, options.beforeId),
        sql`${hubEvents.createdAt} >= ${anchor} - make_interval(secs => ${options.lookBackSeconds}::float8)`,
        visibleIn(options.queues),
      ),
    )
    .orderBy(desc(hubEvents.id))
    .limit(options.limit);
  return rows.map(toEvent).reverse();
}

/**
 * The id of the newest stored event of an organization (0 when there is none): where a client that
 * has seen no event yet resumes from after a reconnect. Read through the primary key, newest first.
 */
export async function latestEventId(db: Queryable, orgId: string): Promise<number> {
  const [row] = await db
    .select({ id: hubEvents.id })
    .from(hubEvents)
    .where(eq(hubEvents.orgId, orgId))
    .orderBy(desc(hubEvents.id))
    .limit(1);
  return row?.id ?? 0;
}
