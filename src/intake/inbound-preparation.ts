import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import { linkSenderIdentity, planContactMatch, suggestDuplicatesFor } from '../contacts/contact-matching';
import { storeInboundAttachments } from '../conversations/inbound-attachments';
import type { Database } from '../platform/db/database';

export interface PreparedInbound {
  /** The message to store: files replaced by media items pointing at their stored copies. */
  message: InboundMessage;
  /**
   * Runs once the message is committed, duplicates included (idempotent): possible duplicates.
   * (The answer to refused attachments goes through the outbound policy instead: the inbound
   * service's `onRefusedAttachments`.)
   */
  afterStore(receipt: InboundReceipt): Promise<void>;
}

const nothingAfter = async (): Promise<void> => undefined;

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
      // Each suggestion stands alone (written once per pair and reason): no transaction needed.
      if (plan) await suggestDuplicatesFor(db, orgId, plan, message, receipt);
    },
  };
}
