import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import type { Database } from '../db/database';
import { linkSenderIdentity, planContactMatch, suggestDuplicatesFor } from './contact-matching';
import type { MessageRow } from './conversation-store';
import { storeInboundAttachments } from './inbound-attachments';
import { appendRefusedAttachmentReply } from './refused-attachment-reply';

export interface PreparedInbound {
  /** The message to store: files replaced by media items pointing at their stored copies. */
  message: InboundMessage;
  /**
   * Runs once the message is committed, duplicates included (each step is idempotent): possible
   * duplicates, and the answer to refused attachments. Returns outbox rows to enqueue after commit.
   */
  afterStore(receipt: InboundReceipt): Promise<MessageRow[]>;
}

const nothingAfter = async (): Promise<MessageRow[]> => [];

/**
 * What happens before an inbound message is stored, for messages that need more than their sender
 * address (email threads, attachments). Plain messages (every SMS) pass through without a query.
 */
export async function prepareInbound(
  db: Database,
  orgId: string,
  received: InboundMessage,
  meta: RequestMeta,
): Promise<PreparedInbound> {
  const { attachments, ...rest } = received;
  const needsMatching = Boolean(
    received.inReplyTo || received.references?.length || received.from.displayName,
  );
  if (!attachments?.length && !needsMatching && !received.refusedAttachments?.length) {
    return { message: received, afterStore: nothingAfter };
  }
  const media = attachments?.length
    ? await storeInboundAttachments(db, orgId, received.channel, received.providerMessageId, attachments)
    : [];
  const message: InboundMessage = { ...rest, media: [...received.media, ...media] };
  const plan = needsMatching ? await planContactMatch(db, orgId, message) : null;
  if (plan) await linkSenderIdentity(db, orgId, plan, message, meta);
  return {
    message,
    afterStore: (receipt) =>
      db.transaction(async (tx) => {
        if (plan) await suggestDuplicatesFor(tx, orgId, plan, message, receipt);
        const reply = await appendRefusedAttachmentReply(tx, orgId, message, receipt, meta);
        return reply ? [reply] : [];
      }),
  };
}
