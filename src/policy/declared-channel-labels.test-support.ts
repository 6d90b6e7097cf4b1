import { declareChannelLabel } from './channel-labels';

/**
 * For unit tests that read sentences naming a channel without starting a hub: the labels the
 * adapters in channels/ declare, recorded as the channel registry records them when a hub starts.
 */
export function declareShippedChannelLabels(): void {
  const shipped = {
    sms: 'SMS',
    email: 'email',
    voice: 'voice',
    webchat: 'web chat',
    botframework: 'Bot Framework',
    securelink: 'secure link',
  };
  for (const [channel, label] of Object.entries(shipped)) declareChannelLabel(channel, label);
}
