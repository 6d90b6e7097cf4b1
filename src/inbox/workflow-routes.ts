import { and, eq, ne, sql } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { CsatDeps } from '../csat/csat-question';
import { isUniqueViolation } from '../platform/db/connection-errors';
import type { Database } from '../platform/db/database';
import { conversationReads, conversations, messages } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { assertConversationAccess, conversationIdFor } from '../staff/contact-access';
import { URGENCIES } from '../triage';
import { addNote, type NoteView } from './conversation-notes';
import {
  changeConversation,
  slaForUrgency,
  type WorkflowActor,
  type WorkflowStep,
} from './conversation-workflow';
import { resolveConversation } from './resolve-conversation';
import { assignStep, notResolved, transferStep } from './workflow-steps';

const uuidParam = z.object({ id: z.uuid('must be a conversation id') });
const assignBody = z.object({ staffId: z.uuid('must be a staff id').nullable() });
const transferBody = z.object({
  queue: z.string().trim().min(1).max(50),
  note: z.string().trim().min(1).max(4000).optional(),
});
const snoozeBody = z.object({ until: z.iso.datetime({ offset: true }).nullable() });
const priorityBody = z.object({
  // The same scale triage uses (URGENCY_RANK): 3 sorts with emergencies.
  priority: z.number().int().min(0).max(3),
  urgency: z.enum(URGENCIES).optional(),
});
const noteBody = z.object({ body: z.string().trim().min(1, 'must not be empty').max(4000) });

const MAX_SNOOZE_DAYS = 90;

const actorOf = (req: Request): WorkflowActor => ({
  staff: req.staff!,
  ip: req.ip ?? null,
  requestId: req.id,
});

/** Claim, assign, transfer, resolve, reopen, snooze, priority, notes and read markers. Mount behind requireStaff. */
export function workflowRouter(db: Database, csat: CsatDeps): Router {
  const router = Router();

  const run = async (req: Request, change: Parameters<typeof changeConversation>[3], step: WorkflowStep) => {
    const { id } = uuidParam.parse(req.params);
    return { conversation: await changeConversation(db, actorOf(req), id, change, step) };
  };

  router.post('/conversations/:id/claim', async (req, res) => {
    const me = req.staff!;
    res.json(
      await run(req, 'claimed', async (_tx, current) => {
        notResolved(current);
        if (current.assigneeId === me.id) return 'unchanged';
        if (current.assigneeId) {
          throw new HttpError(409, 'already_claimed', 'Another staff member holds this conversation', {
            assigneeId: current.assigneeId,
          });
        }
        return { set: { assigneeId: me.id } };
      }),
    );
  });

  router.post('/conversations/:id/assign', async (req, res) => {
    const { staffId } = assignBody.parse(req.body);
    res.json(await run(req, 'assigned', assignStep(req.staff!, staffId)));
  });

  router.post('/conversations/:id/transfer', async (req, res) => {
    const body = transferBody.parse(req.body);
    res.json(await run(req, 'transferred', transferStep(req.staff!, body)));
  });

  router.post('/conversations/:id/resolve', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    res.json({ conversation: await resolveConversation(db, actorOf(req), id, csat) });
  });

  router.post('/conversations/:id/reopen', async (req, res) => {
    try {
      res.json(
        await run(req, 'reopened', async (tx, current) => {
          if (current.status !== 'resolved') return 'unchanged';
          // One active conversation per contact: a patient who wrote again since has a newer one.
          const [active] = await tx
            .select({ id: conversations.id, queue: conversations.queue })
            .from(conversations)
            .where(
              and(
                eq(conversations.contactId, current.contactId),
                ne(conversations.status, 'resolved'),
                ne(conversations.id, current.id),
              ),
            )
            .limit(1);
          if (active) throw activeElsewhere(conversationIdFor(req.staff!, active));
          return { set: { status: 'open', resolvedAt: null } };
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw activeElsewhere(null);
      throw error;
    }
  });

  router.post('/conversations/:id/snooze', async (req, res) => {
    const { until } = snoozeBody.parse(req.body);
    const at = until === null ? null : new Date(until);
    if (at && (at.getTime() <= Date.now() || at.getTime() > Date.now() + MAX_SNOOZE_DAYS * 86_400_000)) {
      throw new HttpError(422, 'invalid_snooze', `Snooze until a time in the next ${MAX_SNOOZE_DAYS} days`);
    }
    res.json(
      await run(req, 'snoozed', async (_tx, current) => {
        notResolved(current);
        return { snoozeUntil: at };
      }),
    );
  });

  router.post('/conversations/:id/priority', async (req, res) => {
    const body = priorityBody.parse(req.body);
    res.json(
      await run(req, 'priority', async (tx, current) => ({
        set: {
          priority: body.priority,
          ...(body.urgency ? { urgency: body.urgency } : {}),
          ...(await slaForUrgency(tx, current, body.urgency)),
        },
      })),
    );
  });

  router.post('/conversations/:id/notes', async (req, res) => {
    const { body } = noteBody.parse(req.body);
    const me = req.staff!;
    let note: NoteView | undefined;
    await run(req, 'note', async (tx, current) => {
      note = await addNote(tx, { orgId: me.orgId, conversationId: current.id, author: me, body });
      return { detail: { noteId: note.id } };
    });
    res.status(201).json({ note });
  });

  /** The caller has read everything stored so far: her unread flag and counts drop this conversation. */
  router.post('/conversations/:id/read', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    const me = req.staff!;
    const [conversation] = await db
      .select({ queue: conversations.queue })
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.orgId, me.orgId)));
    if (!conversation) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
    assertConversationAccess(me, conversation.queue);
    // Up to the newest stored message, not "now": one committed a moment later stays unread.
    const readAt = sql`coalesce((select max(${messages.createdAt}) from ${messages} where ${messages.conversationId} = ${id}), now())`;
    const [marker] = await db
      .insert(conversationReads)
      .values({ conversationId: id, staffId: me.id, readAt })
      .onConflictDoUpdate({
        target: [conversationReads.conversationId, conversationReads.staffId],
        set: { readAt: sql`greatest(${conversationReads.readAt}, excluded.read_at)` },
      })
      .returning({ readAt: conversationReads.readAt });
    res.json({ conversationId: id, readAt: marker!.readAt });
  });

  return router;
}

function activeElsewhere(conversationId: string | null): HttpError {
  return new HttpError(
    409,
    'conversation_active_elsewhere',
    'The patient has another open conversation; work in that one',
    conversationId ? { conversationId } : undefined,
  );
}
