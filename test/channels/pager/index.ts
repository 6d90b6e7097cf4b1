import { randomBytes } from 'node:crypto';
import type { ChannelAdapter, ChannelFactory, OutboundEnvelope } from '../../../src/channel-port';

/**
 * A channel that exists only in tests: a pager service that delivers short notices to a phone
 * number. It is a folder and a factory, like those in channels/; the hub learns of it from the list
 * of factories it is started with and from what the adapter declares, never from a core edit.
 */
export function pagerChannel(): { factory: ChannelFactory; sent: OutboundEnvelope[] } {
  const sent: OutboundEnvelope[] = [];
  const factory: ChannelFactory = (): ChannelAdapter => ({
    channel: 'pager',
    label: 'clinic pager',
    mark: 'Page',
    identityKind: 'phone',
    // The clinic's own pagers: appointment details are fine, clinical details are not.
    maxSensitivity: 'limited',
    // A pager cannot open a link.
    carriesSecureLinkNotice: false,
    // Tried after SMS and before email when the hub falls back past the asked-for channels.
    fallbackRank: 15,
    // A campaign may ask for it; a one-time code is not paged. No template wording of its own:
    // the plain-text one.
    canCarry: ['campaign'],
    sandbox: true,
    async send(envelope) {
      sent.push(envelope);
      return { providerMessageId: `PG${randomBytes(8).toString('hex')}`, status: 'sent' };
    },
  });
  return { factory, sent };
}
