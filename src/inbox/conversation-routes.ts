import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import {
  type ConversationDetail,
  conversationState,
  getConversationDetail,
  lastInboundChannel,
  listConversations,
  type MessageRow,
} from '../conversations/conversation-store';
import type { Database } from '../db/database';
import { conversations } from '../db/schema';
import { HttpError } from '../http/http-error';
import { asHttpError, type OutboundServiceDeps, planOutbound } from '../outbound/outbound-service';
import { assertQueueAccess, visibleQueues } from '../staff/queue-access';
import { contentSchema, presentDecision, toContent } from './outbound-routes';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  queue: z.string().max(50).optional(),
  sort: z.enum(['activity', 'priority']).default('activity'),
});

const uuidParam = z.object({ id: z.uuid('must be a conversation id') });

/** Opaque cursor: the last row's activity time and id, so pages stay stable while new messages arrive. */
function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { lastActivityAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const lastActivityAt = new Date(at ?? '');
  if (!id || Number.isNaN(lastActivityAt.getTime()) || !z.uuid().safeParse(id).success) {
    throw new HttpError(400, 'invalid_cursor', 'The cursor is not one this API returned');
  }
  return { lastActivityAt, id };
}

export function presentMessage(m: MessageRow) {
  return {
    id: m.id,
    conversationId: m.conversationId,
    direction: m.direction,
    channel: m.channel,
    body: m.body,
    media: m.media,
    status: m.status,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    providerMessageId: m.providerMessageId,
    templateId: m.templateId,
    authorKind: m.authorKind,
    authorStaffId: m.authorStaffId,
    automation: m.automation,
    channelMeta: m.channelMeta,
    triage: m.triage,
    policy: m.policy,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
    deliveredAt: m.deliveredAt,
  };
}

function presentDetail(detail: ConversationDetail) {
  const { conversation, contact } = detail;
  return {
    ...conversationState(conversation),
    createdAt: conversation.createdAt,
    contact: {
      id: contact.id,
      displayName: contact.displayName,
      language: contact.language,
      timeZone: contact.timeZone,
      identities: contact.identities,
    },
    messages: detail.messages.map(presentMessage),
  };
}

/** The staff conversation API. Mount behind `requireStaff`. */
export function conversationRouter(db: Database, outbound: OutboundServiceDeps): Router {
  const router = Router();

  router.get('/conversations', async (req, res) => {
    const query = listQuery.parse(req.query);
    const staff = req.staff!;
    if (query.cursor && query.sort === 'priority') {
      throw new HttpError(
        400,
        'invalid_cursor',
        'Cursors page the activity order only; priority order returns one page',
      );
    }
    const rows = await listConversations(db, staff.orgId, {
      limit: query.limit,
      before: query.cursor ? decodeCursor(query.cursor) : undefined,
      queue: query.queue,
      queues: visibleQueues(staff),
      sort: query.sort,
    });
    const last = rows.at(-1);
    res.json({
      conversations: rows,
      nextCursor:
        query.sort === 'activity' && rows.length === query.limit && last
          ? encodeCursor(last.lastActivityAt, last.id)
          : null,
    });
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    const staff = req.staff!;
    const detail = await getConversationDetail(db, staff.orgId, id);
    if (!detail) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
    assertQueueAccess(staff, detail.conversation.queue);
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: 'conversation.read',
      subjectType: 'conversation',
      subjectId: id,
      ip: req.ip ?? null,
      requestId: req.id,
      detail: { messageCount: detail.messages.length },
    });
    res.json({ conversation: presentDetail(detail) });
  });

  /**
   * A staff reply on the channel the patient last wrote on, under policy: `{ body, sensitivity? }`
   * (free text counts as PHI unless marked `limited` or `public`) or `{ template, variables }`.
   */
  router.post('/conversations/:id/messages', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    const content = toContent(contentSchema.parse(req.body));
    const staff = req.staff!;
    const [conversation] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.orgId, staff.orgId)));
    if (!conversation) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
    assertQueueAccess(staff, conversation.queue);
    try {
      const { decision, outcome } = await planOutbound(
        outbound,
        {
          orgId: staff.orgId,
          contactId: conversation.contactId,
          conversationId: conversation.id,
          initiator: 'staff_reply',
          requestedChannel: (await lastInboundChannel(db, conversation.id)) ?? undefined,
          content,
          staffId: staff.id,
          requestId: req.id,
          ip: req.ip,
        },
        { dryRun: false },
      );
      res.status(202).json({
        message: {
          ...presentMessage(outcome!.message),
          securedVia: decision.securedVia ?? null,
          scheduledFor: decision.scheduledFor ?? null,
        },
        decision: presentDecision(decision),
      });
    } catch (error) {
      throw asHttpError(error);
    }
  });

  return router;
}
