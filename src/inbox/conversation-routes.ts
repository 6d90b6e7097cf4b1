import { inArray } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type {
  ConversationDetailResponse,
  ConversationDetail as ConversationDetailView,
  ConversationListResponse,
  Sendable,
  StaffReplyResponse,
} from '../../contracts/inbox-api';
import { contactLabel, visibleAddress } from '../contacts/contact-label';
import { type ConversationDetail, getConversationDetail } from '../conversations/conversation-store';
import { asHttpError, type OutboundServiceDeps } from '../outbound/outbound-service';
import { planStaffReply } from '../outbound/staff-reply';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { campaigns, staffUsers } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { listConsents } from '../policy/consent-ledger';
import { assertConversationAccess } from '../staff/contact-access';
import { seesAllQueues } from '../staff/queue-access';
import { loadTextRequestView } from '../texthandoff/text-request';
import { URGENCIES } from '../triage';
import { decodeCursor, encodeCursor } from './conversation-cursor';
import { LIST_STATUSES, listInbox } from './conversation-list';
import { listNotes } from './conversation-notes';
import { loadStateView, takeOnReply } from './conversation-workflow';
import { presentMessage } from './message-presenter';
import { contentSchema, presentDecision, toContent } from './outbound-routes';
import { withoutJit } from './without-jit';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
  queue: z.string().max(50).optional(),
  sort: z.enum(['activity', 'priority']).default('activity'),
  status: z.enum(LIST_STATUSES).optional(),
  assignee: z.union([z.enum(['me', 'unassigned']), z.uuid()]).optional(),
  urgency: z.enum(URGENCIES).optional(),
  channel: z
    .string()
    .regex(/^[a-z]{2,20}$/, 'must be a channel name such as sms')
    .optional(),
  q: z.string().trim().min(1).max(200).optional(),
  label: z.uuid('must be a label id').optional(),
});

const uuidParam = z.object({ id: z.uuid('must be a conversation id') });

/** The newest ledger entry per channel and purpose: what governs sending today. */
function latestConsents(rows: Awaited<ReturnType<typeof listConsents>>) {
  const latest = new Map<string, (typeof rows)[number]>();
  // Rows come newest first, so the first seen per pair wins.
  for (const row of rows)
    if (!latest.has(`${row.channel}/${row.purpose}`)) latest.set(`${row.channel}/${row.purpose}`, row);
  return [...latest.values()]
    .map((r) => ({
      channel: r.channel,
      purpose: r.purpose,
      status: r.status,
      source: r.source,
      recordedAt: r.recordedAt,
    }))
    .sort((a, b) =>
      a.channel === b.channel ? a.purpose.localeCompare(b.purpose) : a.channel.localeCompare(b.channel),
    );
}

/** Names of the staff who wrote the given messages, in one query. */
async function staffNames(db: Database, detail: ConversationDetail): Promise<Map<string, string>> {
  const ids = [...new Set(detail.messages.flatMap((m) => (m.authorStaffId ? [m.authorStaffId] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: staffUsers.id, name: staffUsers.name })
    .from(staffUsers)
    .where(inArray(staffUsers.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function presentDetail(
  db: Database,
  detail: ConversationDetail,
): Promise<Sendable<ConversationDetailView>> {
  const { conversation, contact } = detail;
  const [state, consents, notes, names, campaignNames, textRequest] = await Promise.all([
    loadStateView(db, conversation),
    listConsents(db, contact.id),
    listNotes(db, conversation.id),
    staffNames(db, detail),
    answeredCampaignNames(db, detail),
    loadTextRequestView(db, conversation.id),
  ]);
  return {
    ...state,
    createdAt: conversation.createdAt,
    resolvedAt: conversation.resolvedAt,
    ...contactLabel(contact.displayName, contact.identities),
    contact: {
      id: contact.id,
      displayName: contact.displayName,
      language: contact.language,
      timeZone: contact.timeZone,
      identities: contact.identities.map((i) => ({ ...i, display: visibleAddress(i) })),
      consents: latestConsents(consents),
    },
    messages: detail.messages.map((m) => ({
      ...presentMessage(m),
      author:
        m.authorStaffId && names.has(m.authorStaffId)
          ? { id: m.authorStaffId, name: names.get(m.authorStaffId)! }
          : null,
      campaign:
        m.direction === 'inbound' && m.campaignId && campaignNames.has(m.campaignId)
          ? { id: m.campaignId, name: campaignNames.get(m.campaignId)! }
          : null,
    })),
    notes,
    textRequest,
  };
}

/** The names of the campaigns the conversation's replies answer, by id. */
async function answeredCampaignNames(db: Database, detail: ConversationDetail): Promise<Map<string, string>> {
  const ids = [
    ...new Set(
      detail.messages.flatMap((m) => (m.direction === 'inbound' && m.campaignId ? [m.campaignId] : [])),
    ),
  ];
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaigns)
    .where(inArray(campaigns.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The staff conversation API. Mount behind `requireStaff`. */
export function conversationRouter(db: Database, outbound: OutboundServiceDeps): Router {
  const router = Router();

  router.get('/conversations', async (req, res) => {
    const query = listQuery.parse(req.query);
    const staff = req.staff!;
    const rows = await withoutJit(db, (tx) =>
      listInbox(tx, {
        orgId: staff.orgId,
        staffId: staff.id,
        limit: query.limit,
        after: query.cursor ? decodeCursor(query.cursor, query.sort) : undefined,
        queue: query.queue,
        queues: seesAllQueues(staff) ? undefined : staff.queues,
        status: query.status,
        assignee: query.assignee,
        urgency: query.urgency,
        channel: query.channel,
        q: query.q,
        label: query.label,
        sort: query.sort,
      }),
    );
    const last = rows.at(-1);
    res.json({
      conversations: rows.map((r) => r.summary),
      nextCursor: rows.length === query.limit && last ? encodeCursor(last.cursor) : null,
    } satisfies Sendable<ConversationListResponse>);
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    const staff = req.staff!;
    const detail = await getConversationDetail(db, staff.orgId, id);
    if (!detail) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
    assertConversationAccess(staff, detail.conversation.queue);
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
    res.json({
      conversation: await presentDetail(db, detail),
    } satisfies Sendable<ConversationDetailResponse>);
  });

  /**
   * A staff reply on the channel the patient last wrote on (by SMS after a phone call), under policy:
   * `{ body, sensitivity? }` (free text counts as PHI unless marked `limited` or `public`) or
   * `{ template, variables }`. See planStaffReply. A reply sent makes its sender the conversation's
   * holder unless someone holds it (takeOnReply).
   */
  router.post('/conversations/:id/messages', async (req, res) => {
    const { id } = uuidParam.parse(req.params);
    const content = toContent(contentSchema.parse(req.body));
    try {
      const { decision, outcome } = await planStaffReply(
        outbound,
        { staff: req.staff!, conversationId: id, content, requestId: req.id, ip: req.ip },
        { dryRun: false },
      );
      await takeOnReply(db, { staff: req.staff!, ip: req.ip ?? null, requestId: req.id }, id);
      res.status(202).json({
        message: {
          ...presentMessage(outcome!.message),
          securedVia: decision.securedVia ?? null,
          scheduledFor: decision.scheduledFor ?? null,
        },
        decision: presentDecision(decision),
      } satisfies Sendable<StaffReplyResponse>);
    } catch (error) {
      throw asHttpError(error);
    }
  });

  return router;
}
