import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { queues } from '../platform/db/schema';

export type QueueRow = typeof queues.$inferSelect;

/** The queues triage routes to (intents/*.yaml), created for every clinic at start. */
export const DEFAULT_QUEUES: { id: string; name: string; sortOrder: number; slaMinutes: number }[] = [
  { id: 'nurse-triage', name: 'Nurse triage', sortOrder: 10, slaMinutes: 4 * 60 },
  { id: 'front-desk', name: 'Front desk', sortOrder: 20, slaMinutes: 24 * 60 },
  { id: 'refills', name: 'Refills', sortOrder: 30, slaMinutes: 24 * 60 },
  { id: 'billing', name: 'Billing', sortOrder: 40, slaMinutes: 24 * 60 },
];

/** Creates the default queues that are missing; leaves renamed or re-ordered ones as the admin set them. */
export async function ensureDefaultQueues(db: Queryable, orgId: string): Promise<void> {
  await db
    .insert(queues)
    .values(DEFAULT_QUEUES.map((q) => ({ ...q, orgId })))
    .onConflictDoNothing({ target: [queues.orgId, queues.id] });
}

export async function listQueues(db: Queryable, orgId: string): Promise<QueueRow[]> {
  return db
    .select()
    .from(queues)
    .where(eq(queues.orgId, orgId))
    .orderBy(asc(queues.sortOrder), asc(queues.id));
}

export async function findQueue(db: Queryable, orgId: string, id: string): Promise<QueueRow | undefined> {
  const [row] = await db
    .select()
    .from(queues)
    .where(and(eq(queues.orgId, orgId), eq(queues.id, id)))
    .limit(1);
  return row;
}

/** The ids among `ids` that are not queues of the clinic. */
export async function unknownQueues(db: Queryable, orgId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db
    .select({ id: queues.id })
    .from(queues)
    .where(and(eq(queues.orgId, orgId), inArray(queues.id, ids)));
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
