import { and, eq, isNull, sql } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import type { Queryable } from '../db/database';
import { contactIdentities, contacts, messages } from '../db/schema';
import { appendOutboundMessage, type MessageRow } from './conversation-store';

export const REFUSED_ATTACHMENT_AUTOMATION = 'attachment_refused';

const megabytes = (bytes: number) => {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
};

/**
 * The automatic answer to a message whose attachments were too large. It names no file (a file name
 * can say what an illness is) and no content: only how many, and the limit.
 */
export function refusedAttachmentText(count: number, limitBytes: number, language: string | null): string {
  const limit = megabytes(limitBytes);
  if (language?.startsWith('es')) {
    return count === 1
      ? `Recibimos su mensaje, pero no pudimos aceptar un archivo adjunto porque supera ${limit}. Envíelo en partes más pequeñas o tráigalo a su cita.`
      : `Recibimos su mensaje, pero no pudimos aceptar ${count} archivos adjuntos porque superan ${limit}. Envíelos en partes más pequeñas o tráigalos a su cita.`;
  }
  return count === 1
    ? `We received your message, but could not accept one attachment because it is larger than ${limit}. Please send it in smaller parts or bring it to your appointment.`
    : `We received your message, but could not accept ${count} attachments because they are larger than ${limit}. Please send them in smaller parts or bring them to your appointment.`;
}

/**
 * Appends the answer to the sender of a message whose attachments were refused, once per message
 * (a redelivery finds the first answer). Returns the outbox row to enqueue after commit, or null.
 * It answers the address the message came from, on the same channel, unless that address bounces.
 */
export async function appendRefusedAttachmentReply(
  tx: Queryable,
  orgId: string,
  message: InboundMessage,
  receipt: InboundReceipt,
  meta: RequestMeta,
): Promise<MessageRow | null> {
  const refused = message.refusedAttachments ?? [];
  if (refused.length === 0) return null;
  const [already] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, receipt.conversationId),
        eq(messages.automation, REFUSED_ATTACHMENT_AUTOMATION),
        sql`${messages.channelMeta}->>'answers' = ${receipt.messageId}`,
      ),
    )
    .limit(1);
  if (already) return null;
  const [deliverable] = await tx
    .select({ id: contactIdentities.id })
    .from(contactIdentities)
    .where(
      and(
        eq(contactIdentities.contactId, receipt.contactId),
        eq(contactIdentities.kind, message.from.kind),
        eq(contactIdentities.address, message.from.address),
        isNull(contactIdentities.undeliverableAt),
      ),
    );
  if (!deliverable) return null;
  const [contact] = await tx
    .select({ language: contacts.language })
    .from(contacts)
    .where(eq(contacts.id, receipt.contactId));
  const limitBytes = Math.min(...refused.map((r) => r.limitBytes));
  return appendOutboundMessage(tx, {
    orgId,
    conversationId: receipt.conversationId,
    contactId: receipt.contactId,
    channel: message.channel,
    toAddress: message.from.address,
    body: refusedAttachmentText(refused.length, limitBytes, contact?.language ?? null),
    authorKind: 'system',
    automation: REFUSED_ATTACHMENT_AUTOMATION,
    channelMeta: { answers: receipt.messageId, refusedCount: refused.length },
    requestId: meta.requestId,
  });
}
