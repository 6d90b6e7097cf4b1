import { and, asc, eq, sql } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { CannedResponseListResponse, CannedResponseView, Sendable } from '../../contracts/inbox-api';
import { writeAudit } from '../platform/audit/audit-log';
import { cannedResponses } from '../platform/db/canned-response-schema';
import { isUniqueViolation } from '../platform/db/connection-errors';
import type { Database } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { requireRole } from '../staff/require-role';

const cannedBody = z.object({
  shortcut: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'must be 1–30 lower-case letters, digits or dashes'),
  body: z.string().trim().min(1, 'must not be empty').max(1600),
});
const idParam = z.object({ id: z.uuid('must be a canned response id') });

const present = (row: typeof cannedResponses.$inferSelect) =>
  ({
    id: row.id,
    shortcut: row.shortcut,
    body: row.body,
    updatedAt: row.updatedAt,
  }) satisfies Sendable<CannedResponseView>;

const shortcutTaken = () =>
  new HttpError(409, 'shortcut_exists', 'Another canned response has that shortcut');

const audit = (req: Request, action: string, subjectId: string) => ({
  orgId: req.staff!.orgId,
  actorKind: 'staff' as const,
  actorId: req.staff!.id,
  action,
  subjectType: 'canned_response',
  subjectId,
  ip: req.ip ?? null,
  requestId: req.id,
  // The text is the clinic's own, but a canned response may name a person: the audit keeps its key only.
  detail: {},
});

/**
 * Canned responses: every staff member lists them (the composer's `/`); supervisors and admins
 * create, edit and delete them. Mount behind requireStaff.
 */
export function cannedResponseRouter(db: Database): Router {
  const router = Router();
  const manage = requireRole('admin', 'supervisor');

  router.get('/canned-responses', async (req, res) => {
    const rows = await db
      .select()
      .from(cannedResponses)
      .where(eq(cannedResponses.orgId, req.staff!.orgId))
      .orderBy(asc(cannedResponses.shortcut));
    res.json({ cannedResponses: rows.map(present) } satisfies Sendable<CannedResponseListResponse>);
  });

  router.post('/canned-responses', manage, async (req, res) => {
    const body = cannedBody.parse(req.body);
    try {
      const row = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(cannedResponses)
          .values({
            orgId: req.staff!.orgId,
            shortcut: body.shortcut,
            body: body.body,
            createdBy: req.staff!.id,
          })
          .returning();
        await writeAudit(tx, audit(req, 'canned_response.created', created!.id));
        return created!;
      });
      res.status(201).json({ cannedResponse: present(row) });
    } catch (error) {
      if (isUniqueViolation(error)) throw shortcutTaken();
      throw error;
    }
  });

  router.patch('/canned-responses/:id', manage, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = cannedBody.partial().parse(req.body);
    try {
      const row = await db.transaction(async (tx) => {
        const [updated] = await tx
          .update(cannedResponses)
          .set({ ...body, updatedAt: sql`now()` })
          .where(and(eq(cannedResponses.id, id), eq(cannedResponses.orgId, req.staff!.orgId)))
          .returning();
        if (!updated) throw new HttpError(404, 'canned_response_not_found', 'No such canned response');
        await writeAudit(tx, audit(req, 'canned_response.updated', id));
        return updated;
      });
      res.json({ cannedResponse: present(row) });
    } catch (error) {
      if (isUniqueViolation(error)) throw shortcutTaken();
      throw error;
    }
  });

  router.delete('/canned-responses/:id', manage, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(cannedResponses)
        .where(and(eq(cannedResponses.id, id), eq(cannedResponses.orgId, req.staff!.orgId)))
        .returning({ id: cannedResponses.id });
      if (!removed) throw new HttpError(404, 'canned_response_not_found', 'No such canned response');
      await writeAudit(tx, audit(req, 'canned_response.deleted', id));
    });
    res.status(204).end();
  });

  return router;
}
