import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { InboundAttachment, MediaItem } from '../channel-port';
import type { Queryable } from '../platform/db/database';
import { conversations, inboundAttachments, messages } from '../platform/db/schema';

/** Where staff download an attachment (the staff API, behind a staff token). */
export const attachmentPath = (id: string) => `/api/v1/attachments/${id}`;

/**
 * The id of the `ordinal`-th file of a provider message: the same on every redelivery, so storing
 * the files again finds the first copy, and the message stored later points at it either way.
 */
export function attachmentId(
  orgId: string,
  channel: string,
  providerMessageId: string,
  ordinal: number,
): string {
  const hex = createHash('sha256')
    .update(`inbound-attachment\u0000${orgId}\u0000${channel}\u0000${providerMessageId}\u0000${ordinal}`)
    .digest('hex');
  // Laid out as an RFC 9562 version 8 (custom) UUID.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Stores the files of an inbound message before the message itself, and returns the media items
 * that point at them. A message is acknowledged only after both are committed.
 */
export async function storeInboundAttachments(
  db: Queryable,
  orgId: string,
  channel: string,
  providerMessageId: string,
  files: InboundAttachment[],
): Promise<MediaItem[]> {
  if (files.length === 0) return [];
  const rows = files.map((file, ordinal) => {
    const content = Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength);
    return {
      id: attachmentId(orgId, channel, providerMessageId, ordinal),
      orgId,
      channel,
      providerMessageId,
      ordinal,
      filename: file.filename,
      contentType: file.contentType,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    };
  });
  await db.insert(inboundAttachments).values(rows).onConflictDoNothing({ target: inboundAttachments.id });
  return rows.map((row) => ({ url: attachmentPath(row.id), contentType: row.contentType }));
}

export interface StoredAttachment {
  id: string;
  filename: string | null;
  contentType: string;
  size: number;
  content: Buffer;
  messageId: string | null;
  conversationId: string | null;
  /** The queue of the conversation the message is in: who may see the file. */
  queue: string | null;
}

/** An attachment with the message and conversation it belongs to (null when the message never got stored). */
export async function loadAttachment(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<StoredAttachment | null> {
  const [row] = await db
    .select({
      id: inboundAttachments.id,
      filename: inboundAttachments.filename,
      contentType: inboundAttachments.contentType,
      size: inboundAttachments.size,
      content: inboundAttachments.content,
      messageId: messages.id,
      conversationId: messages.conversationId,
      queue: conversations.queue,
    })
    .from(inboundAttachments)
    .leftJoin(
      messages,
      and(
        eq(messages.channel, inboundAttachments.channel),
        eq(messages.providerMessageId, inboundAttachments.providerMessageId),
      ),
    )
    .leftJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(inboundAttachments.id, id), eq(inboundAttachments.orgId, orgId)));
  return row ?? null;
}
