import type { MessageView, Sendable } from '../../contracts/inbox-api';
import type { MessageRow } from '../conversations/conversation-store';
import { describeSendFailure, isFailedSend } from '../outbound/send-failures';

/** A message as the staff API shows it (every route that returns one uses this). */
export function presentMessage(m: MessageRow): Sendable<MessageView> {
  return {
    id: m.id,
    conversationId: m.conversationId,
    direction: m.direction,
    channel: m.channel,
    body: m.body,
    media: m.media,
    status: m.status,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    providerMessageId: m.providerMessageId,
    templateId: m.templateId,
    authorKind: m.authorKind,
    authorStaffId: m.authorStaffId,
    automation: m.automation,
    channelMeta: m.channelMeta,
    // The channel could not prove who sent it: the inbox says so beside the message.
    senderUnverified: m.channelMeta.senderUnverified === true,
    triage: m.triage,
    // A staff correction of `triage`, kept beside it: the machine's decision is never rewritten.
    triageOverride: m.triageOverride,
    policy: m.policy,
    // Only a reply's: an outbound campaign message keeps its campaign for the campaign's own books.
    campaignId: m.direction === 'inbound' ? m.campaignId : null,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
    deliveredAt: m.deliveredAt,
    // A send that will not go by itself: why, in words, and the message that sent it again, if any.
    failure: isFailedSend(m)
      ? { reason: describeSendFailure(m.channel, m.errorCode, m.errorMessage), retriedAs: m.retriedAs }
      : null,
  };
}
