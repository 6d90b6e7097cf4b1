import type { ChannelAdapter, OutboundEnvelope, SendResult } from '../channel-port';

/**
 * Secure links: content that may not travel by SMS or email (PHI) is read in place, at the hub's
 * `/s/<token>` page after the patient confirms their date of birth. Nothing leaves the hub, so a
 * send only records the message as available; the patient is told about it by a notification on
 * another channel ("You have a new secure message…"), which the policy layer sends.
 *
 * identityKind: the port requires one of the contact identity kinds, and none names "a link". It is
 * `phone` because the link is announced by SMS in the common case and every patient who can be
 * told about a link by SMS has one; the address is nominal (nothing is delivered to it). A contact
 * reachable by email only therefore gets `no_address` for a staff reply on this channel.
 *
 * The pages and their routes are not in this adapter but in the core (src/securelinks): they read
 * the conversation store directly and are mounted by the hub, not through the inbound sink.
 */
export function createSecureLinkChannel(): ChannelAdapter {
  return {
    channel: 'securelink',
    label: 'secure link',
    mark: 'Link',
    identityKind: 'phone',
    maxSensitivity: 'phi',
    templateBody: 'securelink',
    sandbox: false,
    readInPlace: true,
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      return { providerMessageId: `securelink:${envelope.messageId}`, status: 'delivered' };
    },
  };
}
