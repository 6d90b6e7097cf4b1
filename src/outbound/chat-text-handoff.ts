import { and, eq } from 'drizzle-orm';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { chatTextRequests } from '../platform/db/schema';
import { type OutboundServiceDeps, PolicyRefused, planOutbound } from './outbound-service';

export const REPLY_WAITING_TEMPLATE = 'chat-reply-waiting';

/** The channel that texts a phone: the one that carries one-time codes to phones (SMS). */
export function textChannelOf(channels: ChannelRegistry): string | undefined {
  return channels.carrying('verification').find((adapter) => adapter.identityKind === 'phone')?.channel;
}

export interface TextHandoff {
  /** The channel the text goes on (SMS). */
  textChannel: string;
  /** Said first in the decision's reasons, so staff read why the reply went by text. */
  note: string;
}

/**
 * Whether a staff reply on `replyChannel` in this conversation should go by text instead: the
 * visitor asked to be texted (an `active` request, see src/texthandoff/text-request.ts), the hub texts, and the
 * visitor's chat is not open now on any hub process. Null otherwise, and the reply goes as before.
 */
export async function textHandoffFor(
  deps: Pick<OutboundServiceDeps, 'db' | 'channels'>,
  conversationId: string,
  replyChannel: string | undefined,
): Promise<TextHandoff | null> {
  const live = replyChannel ? deps.channels.get(replyChannel) : undefined;
  const textChannel = textChannelOf(deps.channels);
  if (!live?.isPresent || !textChannel) return null;
  const [request] = await deps.db
    .select({ chatAddress: chatTextRequests.chatAddress })
    .from(chatTextRequests)
    .where(and(eq(chatTextRequests.conversationId, conversationId), eq(chatTextRequests.status, 'active')));
  if (!request || (await live.isPresent(request.chatAddress))) return null;
  return {
    textChannel,
    note: `the patient left the ${live.label} and asked to be texted when we reply`,
  };
}

/**
 * Tells the visitor by text that a reply is waiting in the chat, when the reply itself could not
 * go by text (health content the text channel may not carry, with no secure link possible). The
 * template says nothing of the reply. Through planOutbound like every send: an opt-out, quiet hours
 * and the template's rules apply; a refusal is logged (without the phone) and the reply stays in
 * the chat.
 */
export async function sendReplyWaitingNotice(
  deps: OutboundServiceDeps,
  input: { orgId: string; contactId: string; conversationId: string; textChannel: string; requestId: string },
): Promise<void> {
  try {
    await planOutbound(
      deps,
      {
        orgId: input.orgId,
        contactId: input.contactId,
        conversationId: input.conversationId,
        initiator: 'automated',
        requestedChannel: input.textChannel,
        content: {
          template: REPLY_WAITING_TEMPLATE,
          variables: { clinicName: deps.clinic.name, chatUrl: new URL('/chat', deps.publicUrl).toString() },
        },
        automation: 'chat_reply_waiting',
        requestId: input.requestId,
      },
      { dryRun: false },
    );
  } catch (error) {
    if (!(error instanceof PolicyRefused)) throw error;
    deps.logger.warn(
      { requestId: input.requestId, conversationId: input.conversationId, code: error.code },
      'reply-waiting text not sent: the policy refused it',
    );
  }
}
