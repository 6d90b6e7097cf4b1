import { and, eq, sql } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import { messages } from '../platform/db/schema';
import { type OutboundServiceDeps, PolicyRefused, planOutbound } from './outbound-service';

export const REFUSED_ATTACHMENT_TEMPLATE = 'attachment-refused';
export const REFUSED_ATTACHMENT_AUTOMATION = 'attachment_refused';

/** A size limit in megabytes as a patient reads it: 10 MB, 0.5 MB (one decimal under 10). */
export function limitInMegabytes(bytes: number): number {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10;
}

export type RefusedAttachmentOutcome =
  | { reply: 'planned'; messageId: string }
  | { reply: 'refused'; code: string }
  | { reply: 'already_handled' | 'none' };

/**
 * Tells the sender of a message whose attachments were too large that they did not arrive, through
 * the normal pipeline (policy, template, outbox): an opt-out is honoured, an address that bounces
 * falls back to another channel the template has. Urgent, so quiet hours do not hold it: it answers
 * a message the patient has just sent. It names no file, only how many and the limit.
 *
 * At most one answer per message, however often the message is delivered: the inbound message is
 * claimed first (an atomic update of its channel_meta), then the send is planned. A crash between
 * the two leaves the claim and no answer: never twice, like the missed-call text-back.
 */
export async function answerRefusedAttachments(
  deps: OutboundServiceDeps,
  org: { id: string; name: string },
  message: InboundMessage,
  receipt: InboundReceipt,
  meta: RequestMeta,
): Promise<RefusedAttachmentOutcome> {
  const refused = message.refusedAttachments ?? [];
  if (refused.length === 0) return { reply: 'none' };
  const [claimed] = await deps.db
    .update(messages)
    .set({
      channelMeta: sql`${messages.channelMeta} || jsonb_build_object('attachmentReply', jsonb_build_object('status', 'claimed'))`,
    })
    .where(
      and(
        eq(messages.id, receipt.messageId),
        eq(messages.orgId, org.id),
        sql`${messages.channelMeta} -> 'attachmentReply' is null`,
      ),
    )
    .returning({ id: messages.id });
  if (!claimed) return { reply: 'already_handled' };

  const log = deps.logger.child({ requestId: meta.requestId, messageId: receipt.messageId });
  const record = (outcome: Record<string, unknown>) =>
    deps.db
      .update(messages)
      .set({
        channelMeta: sql`${messages.channelMeta} || jsonb_build_object('attachmentReply', ${JSON.stringify(outcome)}::jsonb)`,
      })
      .where(eq(messages.id, receipt.messageId));
  try {
    const { outcome } = await planOutbound(
      deps,
      {
        orgId: org.id,
        contactId: receipt.contactId,
        conversationId: receipt.conversationId,
        initiator: 'automated',
        urgent: true,
        requestedChannel: message.channel,
        content: {
          template: REFUSED_ATTACHMENT_TEMPLATE,
          variables: {
            clinicName: org.name,
            count: refused.length,
            limitMegabytes: limitInMegabytes(Math.min(...refused.map((r) => r.limitBytes))),
          },
        },
        automation: REFUSED_ATTACHMENT_AUTOMATION,
        answers: { messageId: receipt.messageId, channel: message.channel },
        requestId: meta.requestId,
      },
      { dryRun: false },
    );
    const replyId = outcome!.message.id;
    await record({ status: 'planned', messageId: replyId });
    log.info({ replyId, refused: refused.length }, 'refused attachments: answer planned');
    return { reply: 'planned', messageId: replyId };
  } catch (error) {
    if (error instanceof PolicyRefused) {
      await record({ status: 'refused', code: error.code });
      log.info({ code: error.code }, 'refused attachments: answer refused by policy');
      return { reply: 'refused', code: error.code };
    }
    await record({ status: 'error' });
    throw error;
  }
}
