import type { ChannelFactory } from '../src/channel-port';
import { createEmailChannel } from './email';
import { createSecureLinkChannel } from './securelink';
import { createSmsChannel } from './sms';

/** Every channel the hub runs. Adding a channel is a folder here and a line in this list. */
export const channelFactories: ChannelFactory[] = [
  createSmsChannel,
  createSecureLinkChannel,
  createEmailChannel,
];
