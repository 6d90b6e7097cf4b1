import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { LabelListResponse, LabelView, Sendable } from '../../contracts/inbox-api';
import type { CsatDeps } from '../csat/csat-question';
import { writeAudit } from '../platform/audit/audit-log';
import { isUniqueViolation } from '../platform/db/connection-errors';
import type { Database, Queryable } from '../platform/db/database';
import { conversationLabels, labels } from '../platform/db/label-schema';
import { conversations } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { canSeeQueue } from '../staff/queue-access';
import { requireRole } from '../staff/require-role';
import { changeConversation, type WorkflowActor } from './conversation-workflow';
import { resolveConversation } from './resolve-conversation';
import { assignStep, labelStep, transferStep } from './workflow-steps';

/** The colours a label may take: names the page maps to readable colours in light and dark. */
export const LABEL_COLORS = ['gray', 'blue', 'green', 'amber', 'red', 'purple'] as const;

const labelBody = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(40),
  color: z.enum(LABEL_COLORS).default('gray'),
});
const labelIdParam = z.object({ labelId: z.uuid('must be a label id') });
const conversationParam = z.object({ id: z.uuid('must be a conversation id') });
const conversationLabelParams = conversationParam.extend({ labelId: z.uuid('must be a label id') });
const addLabelBody = z.object({ labelId: z.uuid('must be a label id') });

/** The most a bulk action takes at once: a screenful of rows, and a bounded transaction count. */
export const BULK_LIMIT = 100;

const bulkBody = z.intersection(
  z.object({
    conversationIds: z
      .array(z.uuid('must be conversation ids'))
      .min(1, 'select at least one conversation')
      .max(BULK_LIMIT, `at most ${BULK_LIMIT} conversations at once`)
      .refine((ids) => new Set(ids).size === ids.length, 'each conversation once'),
  }),
  z.discriminatedUnion('action', [
    z.object({ action: z.literal('assign'), staffId: z.uuid('must be a staff id').nullable() }),
    z.object({ action: z.literal('label'), labelId: z.uuid('must be a label id') }),
    z.object({ action: z.literal('resolve') }),
    z.object({ action: z.literal('transfer'), queue: z.string().trim().min(1).max(50) }),
  ]),
);

const actorOf = (req: Request): WorkflowActor => ({
  staff: req.staff!,
  ip: req.ip ?? null,
  requestId: req.id,
});

const presentLabel = (row: typeof labels.$inferSelect) =>
  ({
    id: row.id,
    name: row.name,
    color: row.color,
  }) satisfies Sendable<LabelView>;

async function findLabel(db: Queryable, orgId: string, labelId: string) {
  const [row] = await db
    .select()
    .from(labels)
    .where(and(eq(labels.id, labelId), eq(labels.orgId, orgId)));
  return row;
}

async function requireLabel(db: Queryable, orgId: string, labelId: string) {
  const label = await findLabel(db, orgId, labelId);
  if (!label) throw new HttpError(422, 'unknown_label', 'No such label');
  return label;
}

/**
 * Labels (any staff member lists them and puts them on conversations she may reach; supervisors and
 * admins create and delete them) and bulk actions on a selection of conversations. Mount behind
 * requireStaff.
 */
export function labelRouter(db: Database, csat: CsatDeps): Router {
  const router = Router();

  router.get('/labels', async (req, res) => {
    const rows = await db
      .select()
      .from(labels)
      .where(eq(labels.orgId, req.staff!.orgId))
      .orderBy(asc(sql`lower(${labels.name})`));
    res.json({ labels: rows.map(presentLabel) } satisfies Sendable<LabelListResponse>);
  });

  router.post('/labels', requireRole('admin', 'supervisor'), async (req, res) => {
    const body = labelBody.parse(req.body);
    const staff = req.staff!;
    try {
      const label = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(labels)
          .values({ orgId: staff.orgId, name: body.name, color: body.color, createdBy: staff.id })
          .returning();
        await writeAudit(tx, {
          orgId: staff.orgId,
          actorKind: 'staff',
          actorId: staff.id,
          action: 'label.created',
          subjectType: 'label',
          subjectId: row!.id,
          ip: req.ip ?? null,
          requestId: req.id,
          detail: { color: body.color },
        });
        return row!;
      });
      res.status(201).json({ label: presentLabel(label) });
    } catch (error) {
      if (isUniqueViolation(error)) throw new HttpError(409, 'label_exists', 'A label with that name exists');
      throw error;
    }
  });

  router.delete('/labels/:labelId', requireRole('admin', 'supervisor'), async (req, res) => {
    const { labelId } = labelIdParam.parse(req.params);
    const staff = req.staff!;
    await db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(labels)
        .where(and(eq(labels.id, labelId), eq(labels.orgId, staff.orgId)))
        .returning({ id: labels.id });
      if (!removed) throw new HttpError(404, 'label_not_found', 'No such label');
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: 'label.deleted',
        subjectType: 'label',
        subjectId: labelId,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: {},
      });
    });
    res.status(204).end();
  });

  router.post('/conversations/:id/labels', async (req, res) => {
    const { id } = conversationParam.parse(req.params);
    const { labelId } = addLabelBody.parse(req.body);
    const staff = req.staff!;
    await requireLabel(db, staff.orgId, labelId);
    const conversation = await changeConversation(db, actorOf(req), id, 'labeled', labelStep(staff, labelId));
    res.json({ conversation, labels: await labelsOf(db, [id]).then((m) => m.get(id) ?? []) });
  });

  router.delete('/conversations/:id/labels/:labelId', async (req, res) => {
    const { id, labelId } = conversationLabelParams.parse(req.params);
    const conversation = await changeConversation(db, actorOf(req), id, 'unlabeled', async (tx, current) => {
      const removed = await tx
        .delete(conversationLabels)
        .where(
          and(eq(conversationLabels.conversationId, current.id), eq(conversationLabels.labelId, labelId)),
        )
        .returning({ labelId: conversationLabels.labelId });
      return removed.length === 0 ? 'unchanged' : { detail: { labelId } };
    });
    res.json({ conversation, labels: await labelsOf(db, [id]).then((m) => m.get(id) ?? []) });
  });

  /**
   * One action on a selection. Access is all or nothing: when any selected conversation is in a queue
   * the caller may not reach (or is not the clinic's), nothing is applied and the error names those
   * conversations. Past that check each conversation changes in a transaction of its own and the
   * answer says, per conversation, whether it changed or why not (already resolved, held by someone).
   */
  router.post('/conversations/bulk', async (req, res) => {
    const body = bulkBody.parse(req.body);
    const staff = req.staff!;
    const found = await db
      .select({ id: conversations.id, queue: conversations.queue })
      .from(conversations)
      .where(and(eq(conversations.orgId, staff.orgId), inArray(conversations.id, body.conversationIds)));
    const known = new Set(found.map((c) => c.id));
    const missing = body.conversationIds.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new HttpError(
        404,
        'conversation_not_found',
        'Some selected conversations do not exist; nothing was changed',
        {
          conversationIds: missing,
        },
      );
    }
    const unreachable = found.filter((c) => !canSeeQueue(staff, c.queue)).map((c) => c.id);
    if (unreachable.length > 0) {
      throw new HttpError(
        403,
        'forbidden_queue',
        'Some selected conversations are in queues you are not a member of; nothing was changed',
        { conversationIds: unreachable },
      );
    }
    if (body.action === 'label') await requireLabel(db, staff.orgId, body.labelId);

    const actor = actorOf(req);
    const results: { id: string; ok: boolean; error?: { code: string; message: string } }[] = [];
    for (const id of body.conversationIds) {
      try {
        if (body.action === 'assign')
          await changeConversation(db, actor, id, 'assigned', assignStep(staff, body.staffId));
        else if (body.action === 'label')
          await changeConversation(db, actor, id, 'labeled', labelStep(staff, body.labelId));
        else if (body.action === 'resolve') await resolveConversation(db, actor, id, csat);
        else
          await changeConversation(db, actor, id, 'transferred', transferStep(staff, { queue: body.queue }));
        results.push({ id, ok: true });
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        results.push({ id, ok: false, error: { code: error.code, message: error.message } });
      }
    }
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: 'conversation.bulk',
      subjectType: 'conversation',
      subjectId: null,
      ip: req.ip ?? null,
      requestId: req.id,
      detail: {
        action: body.action,
        conversationIds: body.conversationIds,
        failed: results.filter((r) => !r.ok).map((r) => r.id),
      },
    });
    res.json({
      applied: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
      results,
    });
  });

  return router;
}

/** The labels of each of the given conversations, in one query. */
export async function labelsOf(db: Queryable, conversationIds: string[]) {
  const byConversation = new Map<string, { id: string; name: string; color: string }[]>();
  if (conversationIds.length === 0) return byConversation;
  const rows = await db
    .select({ conversationId: conversationLabels.conversationId, label: labels })
    .from(conversationLabels)
    .innerJoin(labels, eq(labels.id, conversationLabels.labelId))
    .where(inArray(conversationLabels.conversationId, conversationIds))
    .orderBy(asc(sql`lower(${labels.name})`));
  for (const row of rows) {
    const list = byConversation.get(row.conversationId) ?? [];
    list.push(presentLabel(row.label));
    byConversation.set(row.conversationId, list);
  }
  return byConversation;
}
