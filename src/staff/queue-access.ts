import type { StaffRole } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { TRIAGE_QUEUE_NAMES } from './queue-names';

type QueueMember = { role: StaffRole; queues: string[] };

/** Admins and supervisors see every queue, including ones added after triage's own four. */
export const seesAllQueues = (staff: { role: StaffRole }) =>
  staff.role === 'admin' || staff.role === 'supervisor';

/**
 * The queues a staff member may see. Admins and supervisors see every queue (triage's four here;
 * callers that know the clinic's queue table pass `allQueues`); an agent sees only the queues she is
 * a member of (none when she has none: access is granted, never assumed).
 */
export function visibleQueues(
  staff: QueueMember,
  allQueues: readonly string[] = TRIAGE_QUEUE_NAMES,
): string[] {
  if (seesAllQueues(staff)) return [...new Set([...TRIAGE_QUEUE_NAMES, ...allQueues])];
  return [...new Set(staff.queues)];
}

export function canSeeQueue(staff: QueueMember, queue: string): boolean {
  return seesAllQueues(staff) || staff.queues.includes(queue);
}

/** 403 when the conversation sits in a queue the staff member is not a member of. */
export function assertQueueAccess(staff: QueueMember, queue: string): void {
  if (!canSeeQueue(staff, queue)) {
    throw new HttpError(403, 'forbidden_queue', 'This conversation is in a queue you are not a member of');
  }
}
