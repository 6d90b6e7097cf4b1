import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { messages } from '../db/schema';
import type { SendQueue } from './send-worker';

/**
 * Postgres is the source of truth: a `pending` outbox row older than `graceSeconds` may have lost
 * its job (Redis flushed or restarted, or the enqueue after commit failed). Re-adding is harmless
 * when the job still exists, because its id is the message id.
 */
export async function sweepOutbox(db: Database, queue: SendQueue, graceSeconds: number): Promise<number> {
  const rows = await db
    .select({ id: messages.id, requestId: messages.requestId })
    .from(messages)
    .where(
      and(
        eq(messages.status, 'pending'),
        eq(messages.direction, 'outbound'),
        lte(messages.updatedAt, sql`now() - make_interval(secs => ${graceSeconds})`),
        or(isNull(messages.scheduledFor), lte(messages.scheduledFor, sql`now()`)),
      ),
    )
    .limit(1000);
  await queue.add(rows.map((row) => ({ messageId: row.id, requestId: row.requestId ?? undefined })));
  return rows.length;
}
