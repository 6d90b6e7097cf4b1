import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { HubEventType, StoredHubEvent } from '../../conversations/hub-events';
import type { Queryable } from '../../db/database';
import { hubEvents } from '../../db/schema';

/** Stored events of an organization after `afterId`, in id order, for the given queues (or none). */
export async function loadEventsAfter(
  db: Queryable,
  options: { orgId: string; afterId: number; queues: string[]; limit: number },
): Promise<StoredHubEvent[]> {
  const rows = await db
    .select()
    .from(hubEvents)
    .where(
      and(
        eq(hubEvents.orgId, options.orgId),
        gt(hubEvents.id, options.afterId),
        or(
          inArray(hubEvents.queue, options.queues),
          isNull(hubEvents.queue),
          // A transfer out of one of her queues: she saw it arrive, she sees it leave.
          inArray(sql`${hubEvents.payload} ->> 'previousQueue'`, options.queues),
        ),
      ),
    )
    .orderBy(asc(hubEvents.id))
    .limit(options.limit);
  return rows.map((row) => ({
    id: row.id,
    orgId: row.orgId,
    type: row.type as HubEventType,
    conversationId: row.conversationId ?? '',
    messageId: row.messageId,
    queue: row.queue ?? '',
    payload: row.payload,
  }));
}
