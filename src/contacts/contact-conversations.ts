import { and, desc, eq, sql } from 'drizzle-orm';
import type { ContactConversationView, Sendable } from '../../contracts/inbox-api';
import { conversations } from '../platform/db/core-schema';
import type { Queryable } from '../platform/db/database';
import { type StaffMember, visibleConversations } from '../staff/contact-access';

/** How many of a contact's conversations the patient panel lists, newest first. */
const PAST_CONVERSATIONS_SHOWN = 20;

/**
 * A contact's conversations, newest activity first, each with the start of the patient's last
 * message: the panel's "Past conversations". Only those in queues she sees: an agent learns
 * nothing (not even a count) about the patient's conversations in other queues.
 */
export async function listContactConversations(
  db: Queryable,
  staff: StaffMember,
  contactId: string,
): Promise<Sendable<ContactConversationView>[]> {
  // Written out with table names: inside a one-table select drizzle leaves columns unqualified, and
  // a bare "id" in the subquery would be the message's own.
  const lastPatientWords = sql<string | null>`(
    select left(m.body, 140) from messages m
     where m.conversation_id = "conversations"."id" and m.direction = 'inbound'
     order by m.created_at desc limit 1)`;
  const rows = await db
    .select({
      id: conversations.id,
      status: conversations.status,
      queue: conversations.queue,
      urgency: conversations.urgency,
      createdAt: conversations.createdAt,
      lastActivityAt: conversations.lastActivityAt,
      resolvedAt: conversations.resolvedAt,
      lastPatientMessage: lastPatientWords,
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.orgId, staff.orgId),
        eq(conversations.contactId, contactId),
        visibleConversations(staff),
      ),
    )
    .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
    .limit(PAST_CONVERSATIONS_SHOWN);
  return rows;
}
