import type { InboundMessage } from '../channel-port';
import { holdingKindFor } from '../platform/addresses/identity-kinds';

/**
 * A message whose sender the channel could not authenticate, made safe to store: it keeps the
 * claimed address, but under a holding identity of its own (`unverified-email`), so it opens or
 * joins the conversation of "an unverified sender at this address" and never a patient's thread.
 * Threading hints go too: a forged reply that names our message (or carries a reply token copied
 * from somewhere) must not tie the text to that patient or act on their appointment. The headers
 * stay in channelMeta for staff to read. Nothing is dropped: the flag is stored with the message.
 */
export function holdUnverifiedSender(message: InboundMessage): InboundMessage {
  if (!message.senderUnverified) return message;
  // The kind the channel declared for it (email: `unverified-email`).
  const kind = holdingKindFor(message.from.kind);
  if (!kind) throw new Error(`senderUnverified is not supported for ${message.from.kind} identities`);
  const { inReplyTo: _inReplyTo, references: _references, ...rest } = message;
  return {
    ...rest,
    // No display name either: it only serves to suggest the contact it names as a duplicate.
    from: { kind, address: message.from.address },
    channelMeta: { ...message.channelMeta, senderUnverified: true },
  };
}
