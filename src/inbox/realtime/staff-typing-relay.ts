import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ChannelRegistry } from '../../channel-port/channel-registry';
import type { Database } from '../../platform/db/database';
import { contactIdentities, conversations } from '../../platform/db/schema';

/** At most one typing notice per conversation in this many milliseconds reaches the patient. */
const MIN_INTERVAL_MS = 2000;
const FIRST_NAME = /^\p{L}[\p{L}'’-]{0,29}$/u;

/** What the patient sees of who is typing: the staff member's first name, or "Clinic". */
export function typistShownToPatient(staffName: string): string {
  const first = staffName.trim().split(/\s+/)[0] ?? '';
  return FIRST_NAME.test(first) ? first : 'Clinic';
}

export interface StaffTypingRelayDeps {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
  now?: () => number;
}

/**
 * Staff typing in a conversation (socket.io `/inbox`), passed on to the patient when they are in a
 * live session (web chat): to the contact's deliverable identities of every channel that shows
 * typing. Nothing for a conversation with no such identity (SMS, email). Best effort, never stored.
 */
export function createStaffTypingRelay(deps: StaffTypingRelayDeps) {
  const now = deps.now ?? Date.now;
  const last = new Map<string, number>();
  const log = deps.logger.child({ part: 'staff-typing' });
  // The registry is fixed once the hub runs: which channels show typing is known once.
  const showing = deps.channels.all().filter((adapter) => adapter.notifyTyping);

  return (staff: { orgId: string; name: string }, conversationId: string): void => {
    if (showing.length === 0) return;
    const at = now();
    if (at - (last.get(conversationId) ?? 0) < MIN_INTERVAL_MS) return;
    last.set(conversationId, at);
    if (last.size > 10_000) {
      for (const [id, when] of last) if (at - when >= MIN_INTERVAL_MS) last.delete(id);
    }
    const from = typistShownToPatient(staff.name);
    void deps.db
      .select({ kind: contactIdentities.kind, address: contactIdentities.address })
      .from(conversations)
      .innerJoin(contactIdentities, eq(contactIdentities.contactId, conversations.contactId))
      .where(
        and(
          eq(conversations.id, conversationId),
          eq(conversations.orgId, staff.orgId),
          inArray(
            contactIdentities.kind,
            showing.map((adapter) => adapter.identityKind),
          ),
          // A session replaced by a later verified one no longer gets replies: nor typing.
          isNull(contactIdentities.undeliverableAt),
        ),
      )
      .then((rows) => {
        for (const row of rows) {
          for (const adapter of showing) {
            if (adapter.identityKind === row.kind) adapter.notifyTyping?.(row.address, from);
          }
        }
      })
      .catch((err: unknown) => log.warn({ err, conversationId }, 'staff typing notice failed'));
  };
}
