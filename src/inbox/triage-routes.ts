import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { IntentListResponse, Sendable } from '../../contracts/inbox-api';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { findQueue } from '../staff/queue-directory';
import { requireRole } from '../staff/require-role';
import { intentLabel, intentSummary, type TriagePool, TriageThreadError, URGENCIES } from '../triage';
import { URGENCY_RANK } from '../triage/urgency';
import { changeConversation, slaForUrgency } from './conversation-workflow';
import { overrideEvalLines } from './triage-override-export';

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
    queue: z.string().trim().min(1).max(50).optional(),
    urgency: z.enum(URGENCIES).optional(),
    note: z.string().max(500).optional(),
  })
  .refine(
    (v) => v.intent !== undefined || v.queue !== undefined || v.urgency !== undefined,
    'give an intent, a queue, an urgency or several',
  );

/** `POST /triage/classify` (how the classifier is evaluated from outside) and staff overrides. */
export function triageRouter(db: Database, triage: Pick<TriagePool, 'classify' | 'intents'>): Router {
  const router = Router();
  const intentNames = new Set(triage.intents.map((i) => i.name));

  router.post('/triage/classify', async (req, res) => {
    const { text, context } = classifyBody.parse(req.body);
    try {
      res.json(await triage.classify(text, context));
    } catch (error) {
      if (!(error instanceof TriageThreadError)) throw error;
      throw new HttpError(503, 'triage_unavailable', 'Triage could not run this time; try again');
    }
  });

  // The intents staff may pick from when they override triage, with the names the inbox shows for
  // them: the page never spells an intent id itself, so a clinic renames one in intents/ alone.
  router.get('/triage/intents', (_req, res) => {
    res.json({
      intents: triage.intents.map((i) => ({
        name: i.name,
        label: intentLabel(i),
        summary: intentSummary(i),
        description: i.description,
        queue: i.queue,
        urgency: i.urgency,
      })),
    } satisfies Sendable<IntentListResponse>);
  });

  /**
   * Staff corrections as training and eval data, one JSON line per overridden message in the eval
   * format (`npm run eval:triage -- FILE`). Admins only: the lines are patients' words. Streamed page by
   * page; a failure midway breaks the connection, so a partial file never looks complete.
   */
  router.get('/triage/overrides.jsonl', requireRole('admin'), async (req, res) => {
    const staff = req.staff!;
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: 'triage.overrides_export',
      subjectType: 'organization',
      subjectId: staff.orgId,
      ip: req.ip ?? null,
      requestId: req.id ?? null,
    });
    res.set({
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Disposition': 'attachment; filename="triage-overrides.jsonl"',
    });
    async function* lines() {
      for await (const line of overrideEvalLines(db, staff.orgId)) yield `${JSON.stringify(line)}\n`;
    }
    await pipeline(Readable.from(lines()), res);
  });

  /**
   * Staff correct triage's decision on an inbound message: the machine's result stays as it was,
   * the override is stored beside it, and a new queue or urgency is applied to the conversation as
   * a workflow change (locked, access-checked, announced live with the queue it left, audited).
   */
  router.post('/messages/:id/triage-override', async (req, res) => {
    const id = z.uuid('must be a message id').parse(req.params.id);
    const body = overrideBody.parse(req.body);
    if (body.intent && !intentNames.has(body.intent)) {
      throw new HttpError(422, 'unknown_intent', `No intent named ${body.intent}`);
    }
    const staff = req.staff!;
    const [target] = await db
      .select({ conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.id, id), eq(messages.orgId, staff.orgId), eq(messages.direction, 'inbound')));
    if (!target) throw new HttpError(404, 'message_not_found', 'No such inbound message');
    const override = { ...body, staffId: staff.id, at: new Date().toISOString() };
    let machine: Record<string, unknown> | null = null;
    const actor = { staff, ip: req.ip ?? null, requestId: req.id };
    const conversation = await changeConversation(
      db,
      actor,
      target.conversationId,
      'triage_override',
      async (tx, current) => {
        const queue = body.queue ? ((await findQueue(tx, staff.orgId, body.queue)) ?? null) : null;
        if (body.queue && !queue) throw new HttpError(422, 'unknown_queue', `No queue named ${body.queue}`);
        const [message] = await tx
          .update(messages)
          .set({ triageOverride: override })
          .where(eq(messages.id, id))
          .returning({ triage: messages.triage });
        machine = (message?.triage as Record<string, unknown> | null) ?? null;
        await writeAudit(tx, {
          orgId: staff.orgId,
          actorKind: 'staff',
          actorId: staff.id,
          action: 'triage.override',
          subjectType: 'message',
          subjectId: id,
          ip: actor.ip,
          requestId: req.id ?? null,
          detail: { machine: { intent: machine?.intent, queue: machine?.queue }, staff: body },
        });
        const moveTo = queue && queue.id !== current.queue ? queue.id : null;
        return {
          set: {
            ...(moveTo ? { queue: moveTo } : {}),
            // Like a transfer: the new queue picks it up afresh.
            ...(moveTo && current.assigneeId ? { assigneeId: null } : {}),
            ...(body.urgency ? { urgency: body.urgency, priority: URGENCY_RANK[body.urgency] } : {}),
            ...(await slaForUrgency(tx, current, body.urgency)),
          },
          detail: { messageId: id, ...(body.intent ? { intent: body.intent } : {}) },
        };
      },
    );
    res.json({ messageId: id, triage: machine, override, conversation });
  });

  return router;
}
