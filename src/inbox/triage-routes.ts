import { and, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Database } from '../db/database';
import { conversations, messages } from '../db/schema';
import { HttpError } from '../http/http-error';
import { assertQueueAccess } from '../staff/queue-access';
import type { Triage } from '../triage';

const classifyBody = z.object({
  // Generous: a pasted 20,000-character message must classify, not bounce.
  text: z.string().max(100_000),
  context: z
    .object({
      lastOutboundTemplate: z.string().max(100).optional(),
      language: z.string().max(10).optional(),
    })
    .optional(),
});

const overrideBody = z
  .object({
    intent: z.string().min(1).max(50).optional(),
    queue: z.enum(['front-desk', 'nurse-triage', 'billing', 'refills']).optional(),
    note: z.string().max(500).optional(),
  })
  .refine((v) => v.intent !== undefined || v.queue !== undefined, 'give an intent, a queue or both');

/** `POST /triage/classify` (how the classifier is evaluated from outside) and staff overrides. */
export function triageRouter(db: Database, triage: Triage): Router {
  const router = Router();
  const intentNames = new Set(triage.intents.map((i) => i.name));

  router.post('/triage/classify', async (req, res) => {
    const { text, context } = classifyBody.parse(req.body);
    res.json(await triage.classify(text, context));
  });

  router.post('/messages/:id/triage-override', async (req, res) => {
    const id = z.uuid('must be a message id').parse(req.params.id);
    const body = overrideBody.parse(req.body);
    if (body.intent && !intentNames.has(body.intent)) {
      throw new HttpError(422, 'unknown_intent', `No intent named ${body.intent}`);
    }
    const staff = req.staff!;
    const [current] = await db
      .select({ queue: conversations.queue })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(messages.id, id), eq(messages.orgId, staff.orgId)));
    if (current) assertQueueAccess(staff, current.queue);
    const override = { ...body, staffId: staff.id, at: new Date().toISOString() };
    const updated = await db.transaction(async (tx) => {
      const [message] = await tx
        .update(messages)
        .set({ triageOverride: override })
        .where(and(eq(messages.id, id), eq(messages.orgId, staff.orgId), eq(messages.direction, 'inbound')))
        .returning({ id: messages.id, conversationId: messages.conversationId, triage: messages.triage });
      if (!message) return null;
      if (body.queue) {
        await tx
          .update(conversations)
          .set({ queue: body.queue, updatedAt: sql`now()` })
          .where(eq(conversations.id, message.conversationId));
      }
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: 'triage.override',
        subjectType: 'message',
        subjectId: id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { machine: { intent: message.triage?.intent, queue: message.triage?.queue }, staff: body },
      });
      return message;
    });
    if (!updated) throw new HttpError(404, 'message_not_found', 'No such inbound message');
    res.json({ messageId: id, triage: updated.triage, override });
  });

  return router;
}
