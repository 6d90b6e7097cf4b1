import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import type { Database } from '../db/database';
import { linkSenderIdentity, planContactMatch, suggestDuplicatesFor } from './contact-matching';
import type { MessageRow } from './conversation-store';
import { storeInboundAttachments } from './inbound-attachments';

export interface PreparedInbound {
  /** The message to store: files replaced by media items pointing at their stored copies. */
  message: InboundMessage;
  /**
   * Runs once the message is committed, duplicates included (each step is idempotent): possible
   * duplicates. Returns outbox rows to enqueue after commit. (The answer to refused attachments
   * goes through the outbound policy instead: the inbound service's `onRefusedAttachments`.)
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
  if (!attachments?.length && !needsMatching) {
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
    afterStore: async (receipt) => {
      if (plan) await db.transaction((tx) => suggestDuplicatesFor(tx, orgId, plan, message, receipt));
      return [];
    },
  };
}
