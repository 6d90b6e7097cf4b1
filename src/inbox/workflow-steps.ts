import { awaitingStaffReply } from '../conversations/conversation-store';
import { conversationLabels } from '../platform/db/label-schema';
import { HttpError } from '../platform/http/http-error';
import { canSeeQueue, seesAllQueues } from '../staff/queue-access';
import { findQueue } from '../staff/queue-directory';
import { findStaffById } from '../staff/staff-directory';
import type { AuthenticatedStaff } from '../staff/staff-sessions';
import { addNote } from './conversation-notes';
import type { WorkflowStep } from './conversation-workflow';

/**
 * The staff changes one conversation at a time (workflow-routes) and on a selection (bulk-routes)
 * apply: one rule for each, whichever way it is asked.
 */

export function notResolved(current: { status: string }): void {
  if (current.status === 'resolved') {
    throw new HttpError(409, 'conversation_resolved', 'This conversation is resolved; reopen it first');
  }
}

/** Assign to a colleague, take, or release (null). Agents may only take unheld work or let go of their own. */
export const assignStep =
  (me: AuthenticatedStaff, staffId: string | null): WorkflowStep =>
  async (tx, current) => {
    notResolved(current);
    if (current.assigneeId === staffId) return 'unchanged';
    if (!seesAllQueues(me)) {
      const takes = staffId === me.id && current.assigneeId === null;
      const releases = staffId === null && current.assigneeId === me.id;
      if (staffId === me.id && current.assigneeId !== null) {
        throw new HttpError(409, 'already_claimed', 'Another staff member holds this conversation', {
          assigneeId: current.assigneeId,
        });
      }
      if (!takes && !releases) {
        throw new HttpError(403, 'forbidden_role', 'Agents may only assign conversations to themselves');
      }
    }
    if (staffId) {
      const target = await findStaffById(tx, me.orgId, staffId);
      if (!target || target.disabledAt)
        throw new HttpError(422, 'unknown_staff', 'No such active staff member');
      if (!canSeeQueue(target, current.queue)) {
        throw new HttpError(422, 'assignee_cannot_see_queue', 'That staff member is not in this queue');
      }
    }
    return { set: { assigneeId: staffId } };
  };

/** Move to another queue, optionally with a note for whoever picks it up there. */
export const transferStep =
  (me: AuthenticatedStaff, body: { queue: string; note?: string }): WorkflowStep =>
  async (tx, current) => {
    const target = await findQueue(tx, me.orgId, body.queue);
    if (!target) throw new HttpError(422, 'unknown_queue', `No queue named ${body.queue}`);
    if (target.id === current.queue) {
      throw new HttpError(409, 'same_queue', 'The conversation is already in that queue');
    }
    const note = body.note
      ? await addNote(tx, { orgId: me.orgId, conversationId: current.id, author: me, body: body.note })
      : null;
    return {
      set: {
        queue: target.id,
        // The new queue picks it up afresh; the old holder may not even see it any more.
        assigneeId: null,
        // A conversation waiting on the clinic keeps its clock, or gets the new queue's; an
        // answered one has no clock to run.
        slaDueAt:
          current.slaDueAt ??
          ((await awaitingStaffReply(tx, current.id))
            ? new Date(Date.now() + target.slaMinutes * 60_000)
            : null),
      },
      detail: note ? { noteId: note.id } : {},
    };
  };

export const resolveStep: WorkflowStep = async (_tx, current) =>
  current.status === 'resolved'
    ? 'unchanged'
    : { set: { status: 'resolved', resolvedAt: new Date() }, snoozeUntil: null };

/** Puts a label on the conversation (the label is checked to be the clinic's by the caller). */
export const labelStep =
  (me: AuthenticatedStaff, labelId: string): WorkflowStep =>
  async (tx, current) => {
    const added = await tx
      .insert(conversationLabels)
      .values({ conversationId: current.id, labelId, addedBy: me.id })
      .onConflictDoNothing()
      .returning({ labelId: conversationLabels.labelId });
    return added.length === 0 ? 'unchanged' : { detail: { labelId } };
  };
