import { twilioConfig } from '../providers/twilio/twilio-config';
import type { ChannelDefinition, ConfigSection } from '../src/channel-port';
import { createSecureLinkChannel } from '../src/securelinks/secure-link-channel';
import { createBotframeworkChannel } from './botframework';
import { botframeworkConfig } from './botframework/botframework-config';
import { createEmailChannel } from './email';
import { emailConfig } from './email/email-config';
import { createSmsChannel } from './sms';
import { createVoiceChannel } from './voice';
import { createWebchatChannel } from './webchat';
import { webchatConfig } from './webchat/webchat-config';

/**
 * Every channel the hub runs. Adding a channel is a folder here and a line in this list: its
 * factory and the environment keys it declares (the hub's config is composed from these).
 */
export const channels: ChannelDefinition[] = [
  { create: createSmsChannel, config: [twilioConfig] },
  { create: createVoiceChannel, config: [twilioConfig] },
  { create: createSecureLinkChannel },
  { create: createEmailChannel, config: [emailConfig] },
  { create: createBotframeworkChannel, config: [botframeworkConfig] },
  { create: createWebchatChannel, config: [webchatConfig] },
];

export const channelFactories = channels.map((channel) => channel.create);

/** The environment sections of the channels (a provider shared by two, such as Twilio, once). */
export const channelConfigSections: ConfigSection[] = [
  ...new Set(channels.flatMap((channel) => channel.config ?? [])),
];
