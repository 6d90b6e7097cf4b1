import { and, eq, exists, inArray, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { contacts, conversations, type StaffRole } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { assertQueueAccess, canSeeQueue, seesAllQueues } from './queue-access';

/**
 * Who may reach which patient, in one place for every staff route and socket:
 *
 * - a conversation: its queue is one of hers (admins and supervisors: every queue);
 * - a contact: admins and supervisors reach every contact of the clinic; an agent reaches a contact
 *   only through a conversation of that contact in one of her queues, resolved or not;
 * - a contact's identity (phone, email, date of birth) and its consent to unencrypted PHI are what
 *   decide where protected health information goes, and who a secure link opens for: changing them
 *   is for supervisors and admins.
 */
export interface StaffMember {
  orgId: string;
  role: StaffRole;
  queues: string[];
}

export { assertQueueAccess as assertConversationAccess, canSeeQueue as canSeeConversationQueue };

/** The SQL condition "this conversation is in a queue she sees"; undefined when she sees them all. */
export function visibleConversations(staff: StaffMember): SQL | undefined {
  if (seesAllQueues(staff)) return undefined;
  // No queue at all: nothing, rather than an `in ()` PostgreSQL refuses.
  return staff.queues.length > 0 ? inArray(conversations.queue, staff.queues) : sql`false`;
}

/** Which of `contactIds` (of her clinic) she reaches. */
export async function reachableContacts(
  db: Queryable,
  staff: StaffMember,
  contactIds: readonly string[],
): Promise<Set<string>> {
  const ids = [...new Set(contactIds)];
  if (ids.length === 0) return new Set();
  const viaQueue = visibleConversations(staff);
  const rows = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(
      and(
        eq(contacts.orgId, staff.orgId),
        inArray(contacts.id, ids),
        seesAllQueues(staff)
          ? undefined
          : exists(
              db
                .select({ one: sql`1` })
                .from(conversations)
                .where(and(eq(conversations.contactId, contacts.id), viaQueue)),
            ),
      ),
    );
  return new Set(rows.map((row) => row.id));
}

export async function canReachContact(
  db: Queryable,
  staff: StaffMember,
  contactId: string,
): Promise<boolean> {
  return (await reachableContacts(db, staff, [contactId])).has(contactId);
}

/**
 * 404 `contact_not_found` when the clinic has no such contact (or the status and code the route
 * uses for a contact named in a body), 403 `forbidden_contact` when she may not reach it.
 */
export async function assertContactAccess(
  db: Queryable,
  staff: StaffMember,
  contactId: string,
  missing: { status: number } = { status: 404 },
): Promise<void> {
  if (await canReachContact(db, staff, contactId)) return;
  const [known] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.id, contactId), eq(contacts.orgId, staff.orgId)));
  if (!known) throw new HttpError(missing.status, 'contact_not_found', 'No such contact');
  throw new HttpError(
    403,
    'forbidden_contact',
    'This contact has no conversation in a queue you are a member of',
  );
}

/** Whether she may change a contact's phone, email or date of birth, or accept unencrypted PHI for it. */
export const mayChangeIdentity = (staff: { role: StaffRole }) => seesAllQueues(staff);

/** 403 `identity_change_forbidden` unless she may change identity fields; `what` names the change. */
export function assertIdentityChange(staff: { role: StaffRole }, what: string): void {
  if (!mayChangeIdentity(staff)) {
    throw new HttpError(
      403,
      'identity_change_forbidden',
      `Changing ${what} is for a supervisor or an admin: it decides where protected health information goes`,
    );
  }
}

/**
 * 409 `identity_taken`: the address belongs to another contact. That contact's id is given only to
 * someone who could read it anyway; to anyone else the answer says no more than "taken".
 */
export async function identityTaken(
  db: Queryable,
  staff: StaffMember,
  kind: string,
  ownerContactId: string,
): Promise<HttpError> {
  const reveal = await canReachContact(db, staff, ownerContactId);
  return new HttpError(
    409,
    'identity_taken',
    `That ${kind} belongs to another contact`,
    reveal ? { contactId: ownerContactId } : undefined,
  );
}

/**
 * The conversation id an answer may name (e.g. "the patient has another open conversation"), or
 * null when it is in a queue she does not see.
 */
export const conversationIdFor = (staff: StaffMember, conversation: { id: string; queue: string }) =>
  canSeeQueue(staff, conversation.queue) ? conversation.id : null;
