import { and, eq } from 'drizzle-orm';
import type { PolicyRefusalDetails, ReplyGuidance } from '../../contracts/inbox-api';
import { lastInboundChannel } from '../conversations/conversation-store';
import { contacts, conversations } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { channelLabel } from '../policy/policy-engine';
import { assertConversationAccess, mayChangeIdentity } from '../staff/contact-access';
import type { AuthenticatedStaff } from '../staff/staff-sessions';
import { sendReplyWaitingNotice, textHandoffFor } from './chat-text-handoff';
import {
  type OutboundContent,
  type OutboundServiceDeps,
  PolicyRefused,
  planOutbound,
} from './outbound-service';
import { replyGuidance } from './reply-guidance';

/**
 * The channel a staff reply in this conversation goes on: the one the patient last wrote on, or,
 * when that channel cannot take a typed reply and names another for replies (voice: the caller
 * hung up; its `automaticRepliesVia` is SMS), that one. Undefined when the patient never wrote.
 */
async function staffReplyChannel(
  deps: Pick<OutboundServiceDeps, 'db' | 'channels'>,
  conversationId: string,
): Promise<{ channel: string | undefined; notes: string[] }> {
  const last = (await lastInboundChannel(deps.db, conversationId)) ?? undefined;
  const via = last ? deps.channels.replyChannelFor(last) : undefined;
  if (last && via) {
    return {
      channel: via,
      notes: [
        `the patient last reached us by ${channelLabel(last)}, which cannot carry a typed reply: it goes by ${channelLabel(via)}`,
      ],
    };
  }
  return { channel: last, notes: [] };
}

/**
 * A staff reply in a conversation, planned under policy: pinned to the reply channel
 * (staffReplyChannel), never deferred. The one path for `POST /conversations/:id/messages` and for
 * the composer's preview (`POST /policy/check` with a `conversationId`), so both decide alike, and
 * both say what happens in plain words (`guidance`). A refused send is a 422 whose message is that
 * sentence and whose details carry the reasons and the ways out.
 */
export async function planStaffReply(
  deps: OutboundServiceDeps,
  input: {
    staff: AuthenticatedStaff;
    conversationId: string;
    content: OutboundContent;
    requestId: string;
    ip?: string;
  },
  options: { dryRun: boolean },
) {
  const { staff } = input;
  const [conversation] = await deps.db
    .select({
      id: conversations.id,
      contactId: conversations.contactId,
      queue: conversations.queue,
      dateOfBirth: contacts.dateOfBirth,
    })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.id, input.conversationId), eq(conversations.orgId, staff.orgId)));
  if (!conversation) throw new HttpError(404, 'conversation_not_found', 'No such conversation');
  assertConversationAccess(staff, conversation.queue);
  const replyVia = await staffReplyChannel(deps, conversation.id);
  let { channel, notes } = replyVia;
  const guide = (decision: Parameters<typeof replyGuidance>[0]['decision']): ReplyGuidance =>
    replyGuidance({
      decision,
      replyChannel: channel,
      freeTextSensitivity: 'body' in input.content ? input.content.sensitivity : null,
      hasDateOfBirth: conversation.dateOfBirth !== null,
      mayAddDateOfBirth: mayChangeIdentity(staff),
    });
  const request = {
    orgId: staff.orgId,
    contactId: conversation.contactId,
    conversationId: conversation.id,
    initiator: 'staff_reply' as const,
    content: input.content,
    staffId: staff.id,
    requestId: input.requestId,
    ip: input.ip,
  };
  // A web chat visitor who left and asked to be texted: the reply itself goes by text when the
  // policy lets the text channel carry it (or carry a secure link to it); otherwise it stays in
  // the chat, and a text that says only "a reply is waiting" follows (chat-text-handoff.ts).
  const handoff = await textHandoffFor(deps, conversation.id, channel);
  let noticeVia: string | undefined;
  if (handoff) {
    const byText = await planOutbound(
      deps,
      { ...request, requestedChannel: handoff.textChannel, notes: [handoff.note] },
      { dryRun: true, audit: false },
    );
    const { decision } = byText;
    const linkPossible = !decision.securedVia || conversation.dateOfBirth !== null;
    if (decision.allowed && decision.channel === handoff.textChannel && linkPossible) {
      channel = handoff.textChannel;
      notes = [handoff.note];
    } else {
      noticeVia = handoff.textChannel;
    }
  }
  try {
    const planned = await planOutbound(deps, { ...request, requestedChannel: channel, notes }, options);
    if (noticeVia && planned.outcome) {
      await sendReplyWaitingNotice(deps, {
        orgId: staff.orgId,
        contactId: conversation.contactId,
        conversationId: conversation.id,
        textChannel: noticeVia,
        requestId: input.requestId,
      });
    }
    // For a template, `rendered` is what the patient will read, from the code that renders the send.
    return { ...planned, guidance: guide(planned.decision) };
  } catch (error) {
    if (!(error instanceof PolicyRefused)) throw error;
    const guidance = guide(error.decision);
    throw new HttpError(422, error.code, guidance.summary, {
      reasons: error.decision.reasons,
      guidance,
    } satisfies PolicyRefusalDetails);
  }
}
