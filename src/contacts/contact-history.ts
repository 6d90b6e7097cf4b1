import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { SessionMessage } from '../channel-port';
import type { Queryable } from '../platform/db/database';
import { messages } from '../platform/db/schema';

/** Outbound statuses of a message handed to the session but not yet acknowledged by its client. */
const UNACKNOWLEDGED = ['queued', 'sent'] as const;
/** Outbound statuses a patient may see: handed over or later (not pending, sending or failed). */
const SHOWN_OUTBOUND = ['queued', 'sent', 'delivered', 'read'] as const;

/** Messages on `channel` from or to one address (a web chat session), both directions. */
function ofSession(orgId: string, channel: string, address: string) {
  return and(eq(messages.orgId, orgId), eq(messages.channel, channel), messageFromOrTo(address));
}

/** A message the patient at `address` sent, or one sent to her. */
export function messageFromOrTo(address: string) {
  return or(
    and(eq(messages.direction, 'inbound'), eq(messages.fromAddress, address)),
    and(eq(messages.direction, 'outbound'), eq(messages.toAddress, address)),
  );
}

/**
 * A session's messages after `afterMessageId`, oldest first, plus its outbound messages still
 * waiting for the client's acknowledgement wherever they fall in the order. The second part is what
 * makes a reconnect lose nothing: a reply stored before the client's last-seen message but handed
 * over while it was away is `sent`, not `delivered`, so it comes back. The client drops ids it has.
 * An `afterMessageId` that is not the session's own is ignored (everything is returned).
 */
export async function sessionHistory(
  db: Queryable,
  orgId: string,
  channel: string,
  address: string,
  options: { afterMessageId?: string; limit: number },
): Promise<SessionMessage[]> {
  const session = ofSession(orgId, channel, address);
  const [cursor] = options.afterMessageId
    ? await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(session, eq(messages.id, options.afterMessageId)))
        .limit(1)
    : [];
  const visible = or(eq(messages.direction, 'inbound'), inArray(messages.status, [...SHOWN_OUTBOUND]));
  const wanted = cursor
    ? or(
        // Compared in SQL: a JavaScript Date would drop the microseconds and return the cursor again.
        sql`(${messages.createdAt}, ${messages.id}) > (select m.created_at, m.id from ${messages} m where m.id = ${cursor.id}::uuid)`,
        and(eq(messages.direction, 'outbound'), inArray(messages.status, [...UNACKNOWLEDGED])),
      )
    : undefined;
  const rows = await db
    .select({
      id: messages.id,
      direction: messages.direction,
      body: messages.body,
      status: messages.status,
      createdAt: messages.createdAt,
      providerMessageId: messages.providerMessageId,
    })
    .from(messages)
    .where(and(session, visible, wanted))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(options.limit);
  return rows.map((r) => ({
    id: r.id,
    direction: r.direction,
    body: r.body,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    providerMessageId: r.direction === 'inbound' ? r.providerMessageId : null,
  }));
}

/** True when `messageId` is an outbound message on `channel` to this session's address. */
export async function isSessionOutbound(
  db: Queryable,
  orgId: string,
  channel: string,
  address: string,
  messageId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(ofSession(orgId, channel, address), eq(messages.direction, 'outbound'), eq(messages.id, messageId)),
    )
    .limit(1);
  return row !== undefined;
}
