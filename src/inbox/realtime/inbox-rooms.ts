import type { StaffRole } from '../../platform/db/schema';
import { visibleQueues } from '../../staff/queue-access';

export const orgRoom = (orgId: string) => `org:${orgId}`;
export const queueRoom = (queue: string) => `queue:${queue}`;
export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;
/** Every socket of one staff member, in any hub process: closed when her access changes. */
export const staffRoom = (staffId: string) => `staff:${staffId}`;
/** Every socket opened with one session (by its sessionKey), in any hub process: closed at logout. */
export const sessionRoom = (sessionKey: string) => `session:${sessionKey}`;

/** The queues whose events a staff member receives: the queues she may see (src/staff/queue-access.ts). */
export function queuesFor(staff: { role: StaffRole; queues: string[] }): string[] {
  return visibleQueues(staff);
}

/**
 * The rooms an event is delivered to: its queue and its conversation, and for a transfer also the
 * queue it left, so the staff there see it go.
 */
export function roomsForEvent(event: {
  queue: string | null;
  conversationId: string | null;
  payload?: Record<string, unknown>;
}): string[] {
  const previous = event.payload?.previousQueue;
  return [
    ...(event.queue ? [queueRoom(event.queue)] : []),
    ...(typeof previous === 'string' && previous !== event.queue ? [queueRoom(previous)] : []),
    ...(event.conversationId ? [conversationRoom(event.conversationId)] : []),
  ];
}
