import { and, desc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { contactLabel, type LabelledIdentity } from '../contacts/contact-label';
import { conversationState } from '../conversations/conversation-store';
import type { Queryable } from '../platform/db/database';
import {
  contactIdentities,
  contacts,
  conversationLabels,
  conversations,
  labels,
  messages,
  staffUsers,
} from '../platform/db/schema';
import type { ConversationCursor } from './conversation-cursor';
import { isOpenNow, isSnoozed, isUnreadFor, snoozedUntil } from './conversation-flags';
import { searchTerms } from './search-terms';

export const LIST_STATUSES = ['open', 'pending', 'resolved', 'snoozed', 'all'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

export interface ConversationListQuery {
  orgId: string;
  /** The caller: `assignee=me` and the unread flag are hers. */
  staffId: string;
  limit: number;
  /** Only conversations in these queues (the caller's access); undefined: every queue. */
  queues?: string[];
  queue?: string;
  /** Absent: open and pending, without the snoozed ones. */
  status?: ListStatus;
  assignee?: 'me' | 'unassigned' | string;
  urgency?: string;
  channel?: string;
  q?: string;
  /** Only conversations carrying this label. */
  label?: string;
  sort: 'activity' | 'priority';
  after?: ConversationCursor;
}

const SNIPPET_LENGTH = 140;

export const snippetOf = (body: string) =>
  body.length > SNIPPET_LENGTH ? `${body.slice(0, SNIPPET_LENGTH - 1)}…` : body;

function statusCondition(status: ListStatus | undefined): SQL | undefined {
  switch (status) {
    case undefined:
      return isOpenNow();
    case 'open':
    case 'pending':
      return and(eq(conversations.status, status), sql`not ${isSnoozed()}`);
    case 'resolved':
      return eq(conversations.status, 'resolved');
    case 'snoozed':
      return and(sql`${conversations.status} <> 'resolved'`, isSnoozed());
    case 'all':
      return undefined;
  }
}

/** Message text (word prefixes), the contact's name, or one of her addresses (phone digits, email). */
function searchCondition(orgId: string, q: string): SQL {
  const terms = searchTerms(q);
  const matches: SQL[] = [
    sql`${contacts.displayName} ilike ${terms.likePattern}`,
    sql`${conversations.contactId} in (select ${contactIdentities.contactId} from ${contactIdentities}
      where ${contactIdentities.orgId} = ${orgId} and ${contactIdentities.address} ilike ${terms.phonePattern ?? terms.likePattern})`,
  ];
  if (terms.tsQuery) {
    // The expression matches the GIN index messages_body_search_idx (drizzle/0005_inbox_workflow.sql).
    matches.push(sql`${conversations.id} in (select m.conversation_id from ${messages} m
      where m.org_id = ${orgId} and to_tsvector('simple', m.body) @@ to_tsquery('simple', ${terms.tsQuery}))`);
  }
  return or(...matches)!;
}

/** Rows after the cursor in the list's own order (see `orderFor`). */
function afterCursor(cursor: ConversationCursor): SQL {
  const at = sql`${cursor.lastActivityAt}::timestamptz`;
  const activityAfter = sql`(${conversations.lastActivityAt} < ${at} or (${conversations.lastActivityAt} = ${at} and ${conversations.id} < ${cursor.id}::uuid))`;
  if (cursor.sort === 'activity') return activityAfter;
  const sla = cursor.slaDueAt === null ? null : sql`${cursor.slaDueAt}::timestamptz`;
  // SLA ascending with nulls last: after a null only nulls; after a time, later times and the nulls.
  const slaAfter = sla
    ? sql`(${conversations.slaDueAt} > ${sla} or ${conversations.slaDueAt} is null)`
    : sql`false`;
  const slaSame = sla ? sql`${conversations.slaDueAt} = ${sla}` : sql`${conversations.slaDueAt} is null`;
  return sql`(${conversations.priority} < ${cursor.priority}
    or (${conversations.priority} = ${cursor.priority} and ${slaAfter})
    or (${conversations.priority} = ${cursor.priority} and ${slaSame} and ${activityAfter}))`;
}

function orderFor(sort: 'activity' | 'priority'): SQL[] {
  return sort === 'priority'
    ? [
        desc(conversations.priority),
        sql`${conversations.slaDueAt} asc nulls last`,
        desc(conversations.lastActivityAt),
        desc(conversations.id),
      ]
    : [desc(conversations.lastActivityAt), desc(conversations.id)];
}

/**
 * One page of the inbox: filters, search, keyset pagination and everything a row shows (contact,
 * snippet, channels, assignee, unread for the caller, snooze) in a single statement.
 */
export async function listInbox(db: Queryable, query: ConversationListQuery) {
  const assignee =
    query.assignee === undefined
      ? undefined
      : query.assignee === 'unassigned'
        ? isNull(conversations.assigneeId)
        : eq(conversations.assigneeId, query.assignee === 'me' ? query.staffId : query.assignee);
  const rows = await db
    .select({
      conversation: conversations,
      contact: { id: contacts.id, displayName: contacts.displayName },
      lastMessage: {
        id: messages.id,
        direction: messages.direction,
        channel: messages.channel,
        body: messages.body,
        status: messages.status,
        authorKind: messages.authorKind,
        createdAt: messages.createdAt,
      },
      // The patient's own newest words: the row previews these, so a hub reply never hides them.
      // One probe of messages_conversation_idx per row.
      patientMessage: sql<{
        body: string;
        createdAt: string;
      } | null>`(select json_build_object('body', m.body, 'createdAt', m.created_at)
        from ${messages} m where m.conversation_id = ${conversations.id} and m.direction = 'inbound'
        order by m.created_at desc limit 1)`,
      // Addresses for the row's fallback label when the name is unknown; one index probe per row.
      identities: sql<
        LabelledIdentity[] | null
      >`(select json_agg(json_build_object('kind', i.kind, 'address', i.address) order by i.created_at)
        from ${contactIdentities} i where i.contact_id = ${contacts.id})`,
      assignee: { id: staffUsers.id, name: staffUsers.name },
      snoozedUntil: snoozedUntil(),
      channels: sql<
        string[]
      >`array(select distinct m.channel from ${messages} m where m.conversation_id = ${conversations.id} order by 1)`,
      unread: isUnreadFor(query.staffId),
      labels: sql<
        { id: string; name: string; color: string }[]
      >`coalesce((select json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) order by lower(l.name))
        from ${conversationLabels} cl join ${labels} l on l.id = cl.label_id where cl.conversation_id = ${conversations.id}), '[]'::json)`,
      activityKey: sql<string>`${conversations.lastActivityAt}::text`,
      slaKey: sql<string | null>`${conversations.slaDueAt}::text`,
    })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .leftJoin(messages, eq(messages.id, conversations.lastMessageId))
    .leftJoin(staffUsers, eq(staffUsers.id, conversations.assigneeId))
    .where(
      and(
        eq(conversations.orgId, query.orgId),
        query.queues ? inArray(conversations.queue, query.queues) : undefined,
        query.queue ? eq(conversations.queue, query.queue) : undefined,
        statusCondition(query.status),
        assignee,
        query.urgency ? eq(conversations.urgency, query.urgency) : undefined,
        query.channel
          ? sql`exists (select 1 from ${messages} m where m.conversation_id = ${conversations.id} and m.channel = ${query.channel})`
          : undefined,
        query.q ? searchCondition(query.orgId, query.q) : undefined,
        query.label
          ? sql`exists (select 1 from ${conversationLabels} cl where cl.conversation_id = ${conversations.id} and cl.label_id = ${query.label})`
          : undefined,
        query.after ? afterCursor(query.after) : undefined,
      ),
    )
    .orderBy(...orderFor(query.sort))
    .limit(query.limit);
  return rows.map((row) => {
    const { conversation, lastMessage } = row;
    const cursor: ConversationCursor =
      query.sort === 'activity'
        ? { sort: 'activity', lastActivityAt: row.activityKey, id: conversation.id }
        : {
            sort: 'priority',
            priority: conversation.priority,
            slaDueAt: row.slaKey,
            lastActivityAt: row.activityKey,
            id: conversation.id,
          };
    return {
      cursor,
      summary: {
        ...conversationState(conversation),
        contact: row.contact,
        ...contactLabel(row.contact.displayName, row.identities ?? []),
        lastMessage: lastMessage?.id ? lastMessage : null,
        snippet: lastMessage?.id ? snippetOf(lastMessage.body) : null,
        patientSnippet: row.patientMessage ? snippetOf(row.patientMessage.body) : null,
        lastPatientMessageAt: row.patientMessage?.createdAt ?? null,
        // Set when the newest message is ours, so the row can mark the answer as the hub's or staff's.
        lastReply:
          lastMessage?.id && lastMessage.direction === 'outbound'
            ? {
                by: lastMessage.authorKind === 'staff' ? ('staff' as const) : ('hub' as const),
                snippet: snippetOf(lastMessage.body),
              }
            : null,
        lastMessageChannel: lastMessage?.id ? lastMessage.channel : null,
        channels: row.channels ?? [],
        assignee: row.assignee?.id ? row.assignee : null,
        unread: Boolean(row.unread),
        labels: row.labels ?? [],
        snoozedUntil: row.snoozedUntil ?? null,
      },
    };
  });
}
