import type { StaffRole } from '../../db/schema';
import { QUEUE_NAMES } from '../../triage/intent-schema';

export const orgRoom = (orgId: string) => `org:${orgId}`;
export const queueRoom = (queue: string) => `queue:${queue}`;
export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

/**
 * The queues whose events a staff member receives. Admins and supervisors, and staff with no queue
 * listed, get every queue. This is routing of notifications, not access control: per-queue RBAC on
 * the REST API (and then here) is a later issue, and payloads carry no PHI in the meantime.
 */
export function queuesFor(staff: { role: StaffRole; queues: string[] }): string[] {
  if (staff.role === 'admin' || staff.role === 'supervisor' || staff.queues.length === 0) {
    return [...QUEUE_NAMES];
  }
  return [...new Set(staff.queues)];
}

/** The rooms an event is delivered to: its queue and its conversation. */
export function roomsForEvent(event: { queue: string | null; conversationId: string | null }): string[] {
  return [
    ...(event.queue ? [queueRoom(event.queue)] : []),
    ...(event.conversationId ? [conversationRoom(event.conversationId)] : []),
  ];
}
