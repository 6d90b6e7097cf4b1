import type { StaffRole } from '../db/schema';
import { HttpError } from '../http/http-error';
import { QUEUE_NAMES } from '../triage';

/**
 * The queues a staff member may see. Admins and supervisors see every queue; an agent sees only the
 * queues she is a member of (none when she has none: access is granted, never assumed).
 */
export function visibleQueues(staff: { role: StaffRole; queues: string[] }): string[] {
  if (staff.role === 'admin' || staff.role === 'supervisor') return [...QUEUE_NAMES];
  return [...new Set(staff.queues)];
}

export function canSeeQueue(staff: { role: StaffRole; queues: string[] }, queue: string): boolean {
  return visibleQueues(staff).includes(queue);
}

/** 403 when the conversation sits in a queue the staff member is not a member of. */
export function assertQueueAccess(staff: { role: StaffRole; queues: string[] }, queue: string): void {
  if (!canSeeQueue(staff, queue)) {
    throw new HttpError(403, 'forbidden_queue', 'This conversation is in a queue you are not a member of');
  }
}
