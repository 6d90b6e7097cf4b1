import { and, eq, sql } from 'drizzle-orm';
import {
  awaitingStaffReply,
  type ConversationRow,
  conversationState,
} from '../conversations/conversation-store';
import { storeHubEvent } from '../conversations/hub-events';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database, Transaction } from '../platform/db/database';
import { conversationSnoozes, conversations, staffUsers } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { assertConversationAccess } from '../staff/contact-access';
import type { AuthenticatedStaff } from '../staff/staff-sessions';
import type { Urgency } from '../triage';
import { SLA_MINUTES } from '../triage/urgency';
import { snoozedUntil } from './conversation-flags';

/** The `change` of a `conversation.updated` event written by staff work on a conversation. */
export type WorkflowChange =
  | 'claimed'
  | 'assigned'
  | 'transferred'
  | 'resolved'
  | 'reopened'
  | 'snoozed'
  | 'priority'
  | 'note'
  | 'triage_override'
  | 'labeled'
  | 'unlabeled';

export interface WorkflowActor {
  staff: AuthenticatedStaff;
  ip: string | null;
  requestId: string | undefined;
}

/** What a step changes: conversation columns, the snooze (a time, or null to wake it), event details. */
export interface WorkflowPatch {
  set?: Partial<
    Pick<
      ConversationRow,
      'status' | 'queue' | 'assigneeId' | 'priority' | 'urgency' | 'slaDueAt' | 'resolvedAt'
    >
  >;
  snoozeUntil?: Date | null;
  /** Ids and codes added to the event payload and the audit row (never bodies). */
  detail?: Record<string, unknown>;
}

/** A step returns its patch, or `unchanged` when the conversation already is as asked (no event). */
export type WorkflowStep = (
  tx: Transaction,
  current: ConversationRow,
) => Promise<WorkflowPatch | 'unchanged'>;

export interface ConversationStateView extends ReturnType<typeof conversationState> {
  snoozedUntil: Date | null;
  assignee: { id: string; name: string } | null;
}

/** The conversation with its snooze and assignee, as the workflow endpoints answer. */
export async function loadStateView(
  db: Database | Transaction,
  row: ConversationRow,
): Promise<ConversationStateView> {
  const [extra] = await db
    .select({ snoozedUntil: snoozedUntil(), assignee: { id: staffUsers.id, name: staffUsers.name } })
    .from(conversations)
    .leftJoin(staffUsers, eq(staffUsers.id, conversations.assigneeId))
    .where(eq(conversations.id, row.id));
  return {
    ...conversationState(row),
    snoozedUntil: extra?.snoozedUntil ?? null,
    assignee: extra?.assignee?.id ? extra.assignee : null,
  };
}

/**
 * Runs one staff change on a conversation in a transaction: locks the row, checks the caller's queue
 * access, applies the step, and stores a `conversation.updated` event (ids and state only) and an
 * audit row in the same transaction, so the change, its announcement and its record stand or fall
 * together.
 */
export async function changeConversation(
  db: Database,
  actor: WorkflowActor,
  conversationId: string,
  change: WorkflowChange,
  step: WorkflowStep,
): Promise<ConversationStateView> {
  const { staff } = actor;
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, conversationId), eq(conversations.orgId, staff.orgId)))
      .for('no key update');
    if (!current) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
    assertConversationAccess(staff, current.queue);
    const patch = await step(tx, current);
    if (patch === 'unchanged') return loadStateView(tx, current);
    const [updated] = await tx
      .update(conversations)
      .set({ ...patch.set, updatedAt: sql`now()` })
      .where(eq(conversations.id, conversationId))
      .returning();
    if (!updated) throw new Error('conversation vanished under its lock');
    if (patch.snoozeUntil === null) {
      await tx.delete(conversationSnoozes).where(eq(conversationSnoozes.conversationId, conversationId));
    } else if (patch.snoozeUntil) {
      await tx
        .insert(conversationSnoozes)
        .values({ conversationId, until: patch.snoozeUntil, staffId: staff.id })
        .onConflictDoUpdate({
          target: conversationSnoozes.conversationId,
          set: { until: patch.snoozeUntil, staffId: staff.id, createdAt: sql`now()` },
        });
    }
    const view = await loadStateView(tx, updated);
    const state = {
      change,
      status: view.status,
      queue: view.queue,
      ...(current.queue !== view.queue ? { previousQueue: current.queue } : {}),
      assigneeId: view.assigneeId,
      priority: view.priority,
      urgency: view.urgency,
      slaDueAt: view.slaDueAt?.toISOString() ?? null,
      snoozedUntil: view.snoozedUntil?.toISOString() ?? null,
      actorId: staff.id,
      ...patch.detail,
    };
    await storeHubEvent(tx, {
      orgId: staff.orgId,
      type: 'conversation.updated',
      conversationId,
      messageId: null,
      queue: view.queue,
      payload: state,
    });
    await writeAudit(tx, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: `conversation.${change}`,
      subjectType: 'conversation',
      subjectId: conversationId,
      ip: actor.ip,
      requestId: actor.requestId ?? null,
      detail: state,
    });
    return view;
  });
}

/**
 * The SLA due time a staff member's new urgency sets, as a patch: only a conversation waiting on the
 * clinic has a clock, and a raised urgency shortens the time to answer while a lowered one never
 * extends a promise made. Empty when there is nothing to change.
 */
export async function slaForUrgency(
  tx: Transaction,
  current: ConversationRow,
  urgency: Urgency | undefined,
): Promise<{ slaDueAt?: Date }> {
  if (!urgency) return {};
  if (current.slaDueAt === null && !(await awaitingStaffReply(tx, current.id))) return {};
  const due = new Date(Date.now() + SLA_MINUTES[urgency] * 60_000);
  return !current.slaDueAt || due < current.slaDueAt ? { slaDueAt: due } : {};
}

/**
 * A reply makes its sender the one holding the conversation, unless someone already does (or it
 * is resolved): the next colleague sees it is being handled, and nobody's claim is taken away.
 */
export async function takeOnReply(db: Database, actor: WorkflowActor, conversationId: string) {
  return changeConversation(db, actor, conversationId, 'claimed', async (_tx, current) =>
    current.assigneeId !== null || current.status === 'resolved'
      ? 'unchanged'
      : { set: { assigneeId: actor.staff.id }, detail: { via: 'reply' } },
  );
}
