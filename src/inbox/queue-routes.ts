import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { QueueListResponse, Sendable } from '../../contracts/inbox-api';
import { FAILED_SEND_STATUSES } from '../outbound/send-failures';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database, Queryable } from '../platform/db/database';
import { conversations, messages, queues } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { canSeeQueue, seesAllQueues } from '../staff/queue-access';
import { findQueue, listQueues, type QueueRow } from '../staff/queue-directory';
import { requireRole } from '../staff/require-role';
import { isOpenNow, isUnreadFor } from './conversation-flags';
import { withoutJit } from './without-jit';

const queueFields = {
  name: z.string().trim().min(1).max(100),
  sortOrder: z.number().int().min(-10_000).max(10_000),
  // Up to 30 days.
  slaMinutes: z.number().int().min(1).max(43_200),
};
const createBody = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$/, 'must be a slug such as front-desk (a-z, 0-9 and -)'),
  name: queueFields.name,
  sortOrder: queueFields.sortOrder.default(100),
  slaMinutes: queueFields.slaMinutes.default(24 * 60),
});
const updateBody = z
  .object({
    name: queueFields.name.optional(),
    sortOrder: queueFields.sortOrder.optional(),
    slaMinutes: queueFields.slaMinutes.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

const presentQueue = (q: QueueRow) => ({
  id: q.id,
  name: q.name,
  sortOrder: q.sortOrder,
  slaMinutes: q.slaMinutes,
});

/** Open, unread (for the caller), emergency and SLA-breached conversations per queue, in one pass. */
async function queueCounts(db: Queryable, staff: { id: string; orgId: string }, only: string[] | undefined) {
  const base = db
    .select({
      queue: conversations.queue,
      openNow: sql<boolean>`${isOpenNow()}`.as('open_now'),
      emergency: sql<boolean>`${conversations.urgency} = 'emergency'`.as('emergency'),
      breached: sql<boolean>`coalesce(${conversations.slaDueAt} < now(), false)`.as('breached'),
      // Only worked out for open rows: CASE evaluates its branch lazily.
      unread: sql<boolean>`case when ${isOpenNow()} then ${isUnreadFor(staff.id)} else false end`.as(
        'unread',
      ),
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.orgId, staff.orgId),
        ne(conversations.status, 'resolved'),
        only ? inArray(conversations.queue, only) : undefined,
      ),
    )
    .as('base');
  const rows = await db
    .select({
      queue: base.queue,
      open: sql<number>`count(*) filter (where ${base.openNow})`.mapWith(Number),
      unread: sql<number>`count(*) filter (where ${base.unread})`.mapWith(Number),
      emergencies: sql<number>`count(*) filter (where ${base.openNow} and ${base.emergency})`.mapWith(Number),
      slaBreached: sql<number>`count(*) filter (where ${base.openNow} and ${base.breached})`.mapWith(Number),
    })
    .from(base)
    .groupBy(base.queue);
  return new Map(rows.map((r) => [r.queue, r]));
}

/**
 * Failed sends nobody has sent again, per queue, in conversations not resolved: what staff must look
 * at. Read through the partial index of such messages, so it costs what there is to count.
 */
async function failedSendCounts(db: Queryable, orgId: string, only: string[] | undefined) {
  const rows = await db
    .select({ queue: conversations.queue, failed: sql<number>`count(*)`.mapWith(Number) })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(
      and(
        eq(messages.orgId, orgId),
        eq(messages.direction, 'outbound'),
        inArray(messages.status, [...FAILED_SEND_STATUSES]),
        isNull(messages.retriedAs),
        ne(conversations.status, 'resolved'),
        only ? inArray(conversations.queue, only) : undefined,
      ),
    )
    .groupBy(conversations.queue);
  return new Map(rows.map((r) => [r.queue, r.failed]));
}

/** `GET /queues` for everyone (their visible queues, with counts); admins create and change queues. */
export function queueRouter(db: Database): Router {
  const router = Router();

  router.get('/queues', async (req, res) => {
    const staff = req.staff!;
    const visible = (await listQueues(db, staff.orgId)).filter((q) => canSeeQueue(staff, q.id));
    const only = seesAllQueues(staff) ? undefined : visible.map((q) => q.id);
    const { counts, failed } = await withoutJit(db, async (tx) => ({
      counts: await queueCounts(tx, staff, only),
      failed: await failedSendCounts(tx, staff.orgId, only),
    }));
    res.json({
      queues: visible.map((q) => {
        const c = counts.get(q.id);
        return {
          ...presentQueue(q),
          open: c?.open ?? 0,
          unread: c?.unread ?? 0,
          emergencies: c?.emergencies ?? 0,
          slaBreached: c?.slaBreached ?? 0,
          failedSends: failed.get(q.id) ?? 0,
        };
      }),
    } satisfies Sendable<QueueListResponse>);
  });

  router.post('/queues', requireRole('admin'), async (req, res) => {
    const body = createBody.parse(req.body);
    const admin = req.staff!;
    const created = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(queues)
        .values({ ...body, orgId: admin.orgId })
        .onConflictDoNothing({ target: [queues.orgId, queues.id] })
        .returning();
      if (!row) throw new HttpError(409, 'queue_exists', `A queue named ${body.id} exists`);
      await writeAudit(tx, {
        orgId: admin.orgId,
        actorKind: 'staff',
        actorId: admin.id,
        action: 'queue.create',
        subjectType: 'queue',
        subjectId: row.id,
        ip: req.ip ?? null,
        requestId: req.id,
      });
      return row;
    });
    res.status(201).json({ queue: presentQueue(created) });
  });

  router.patch('/queues/:id', requireRole('admin'), async (req, res) => {
    const id = z.string().min(1).max(50).parse(req.params.id);
    const body = updateBody.parse(req.body);
    const admin = req.staff!;
    if (!(await findQueue(db, admin.orgId, id))) throw new HttpError(404, 'queue_not_found', 'No such queue');
    const updated = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(queues)
        .set({ ...body, updatedAt: sql`now()` })
        .where(and(eq(queues.orgId, admin.orgId), eq(queues.id, id)))
        .returning();
      if (!row) throw new HttpError(404, 'queue_not_found', 'No such queue');
      await writeAudit(tx, {
        orgId: admin.orgId,
        actorKind: 'staff',
        actorId: admin.id,
        action: 'queue.update',
        subjectType: 'queue',
        subjectId: id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { fields: Object.keys(body) },
      });
      return row;
    });
    res.json({ queue: presentQueue(updated) });
  });

  return router;
}
