import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import type { TriageQueue } from './triage-worker';

/**
 * An inbound message with no triage decision after `graceSeconds` lost its job (Redis flushed, or the
 * enqueue after commit failed): enqueue it again. Harmless when the job still exists (job id = message id).
 */
export async function sweepUntriaged(
  db: Database,
  queue: TriageQueue,
  graceSeconds: number,
): Promise<number> {
  const rows = await db
    .select({ id: messages.id, requestId: messages.requestId })
    .from(messages)
    .where(
      and(
        eq(messages.direction, 'inbound'),
        isNull(messages.triage),
        lte(messages.createdAt, sql`now() - make_interval(secs => ${graceSeconds})`),
        sql`${messages.createdAt} > now() - interval '7 days'`,
      ),
    )
    .limit(1000);
  await queue.add(rows.map((row) => ({ messageId: row.id, requestId: row.requestId ?? undefined })));
  return rows.length;
}
