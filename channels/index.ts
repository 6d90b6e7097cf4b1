import type { ChannelFactory } from '../src/channel-port';
import { createSecureLinkChannel } from '../src/securelinks/secure-link-channel';
import { createBotframeworkChannel } from './botframework';
import { createEmailChannel } from './email';
import { createSmsChannel } from './sms';
import { createVoiceChannel } from './voice';
import { createWebchatChannel } from './webchat';

/** Every channel the hub runs. Adding a channel is a folder here and a line in this list. */
export const channelFactories: ChannelFactory[] = [
  createSmsChannel,
  createVoiceChannel,
  createSecureLinkChannel,
  createEmailChannel,
  createBotframeworkChannel,
  createWebchatChannel,
];
