import { and, eq, sql } from 'drizzle-orm';
import { findOrOpenConversation } from '../conversations/conversation-store';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { conversations, messages } from '../platform/db/schema';
import { replyConversationId, type SecureLinkRow } from './secure-link-store';

export const SECURELINK_CHANNEL = 'securelink';

export interface SecureLinkReply {
  body: string;
  /** One per rendered reply form: a resubmitted form stores nothing new. */
  submissionId: string;
  requestId: string;
}

export interface SecureLinkReplyReceipt {
  messageId: string;
  conversationId: string;
  /** True when this submission was already stored: nothing new was written. */
  duplicate: boolean;
}

/**
 * Appends a patient's reply from the link page as an inbound message. The sender is known from the
 * link (its contact), not from an address, so this skips identity resolution: it goes to the link's
 * conversation, or to the contact's active one when that conversation has been resolved since.
 * Idempotent on the submission id, like inbound webhooks on the provider's id.
 */
export async function appendSecureLinkReply(
  tx: Queryable,
  link: SecureLinkRow,
  reply: SecureLinkReply,
): Promise<SecureLinkReplyReceipt> {
  const providerMessageId = `securelink:reply:${reply.submissionId}`;
  const conversationId =
    (await replyConversationId(tx, link)) ?? (await findOrOpenConversation(tx, link.orgId, link.contactId));
  const id = newId();
  const inserted = await tx
    .insert(messages)
    .values({
      id,
      orgId: link.orgId,
      conversationId,
      contactId: link.contactId,
      direction: 'inbound',
      channel: SECURELINK_CHANNEL,
      body: reply.body,
      providerMessageId,
      status: 'received',
      authorKind: 'patient',
      channelMeta: { secureLinkId: link.id },
      requestId: reply.requestId,
    })
    .onConflictDoNothing({ target: [messages.channel, messages.providerMessageId] })
    .returning({ id: messages.id });
  if (inserted.length === 0) {
    const [stored] = await tx
      .select({ id: messages.id, conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.channel, SECURELINK_CHANNEL), eq(messages.providerMessageId, providerMessageId)))
      .limit(1);
    if (!stored) throw new Error('secure link reply vanished after a conflicting insert');
    return { messageId: stored.id, conversationId: stored.conversationId, duplicate: true };
  }
  // As for any inbound message: the patient writing back reopens a pending conversation.
  await tx
    .update(conversations)
    .set({ lastActivityAt: sql`now()`, updatedAt: sql`now()`, status: 'open', lastMessageId: id })
    .where(eq(conversations.id, conversationId));
  return { messageId: id, conversationId, duplicate: false };
}
