import type { MessageStatus } from '../platform/db/schema';

/**
 * Outbound lifecycle order. A status only ever moves to a higher rank, so a late `sent` callback
 * cannot undo `delivered`. Terminal outcomes share a rank: the first one to arrive stands, except
 * that `read` (a receipt that it was delivered and opened) may follow `delivered`.
 */
const RANK: Record<MessageStatus, number> = {
  received: 0,
  pending: 1,
  sending: 2,
  queued: 3,
  sent: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  read: 6,
};

export function isForwardTransition(current: MessageStatus, next: MessageStatus): boolean {
  if (next === 'read') return current !== 'failed' && current !== 'undelivered' && current !== 'read';
  return RANK[next] > RANK[current];
}
