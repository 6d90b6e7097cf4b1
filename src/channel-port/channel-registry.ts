import { declareChannelLabel } from '../policy/channel-labels';
import type { ChannelAdapter } from './index';

/** The adapters the hub runs, by channel name. */
export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  constructor(adapters: ChannelAdapter[]) {
    for (const adapter of adapters) {
      if (this.adapters.has(adapter.channel)) throw new Error(`channel ${adapter.channel} registered twice`);
      this.adapters.set(adapter.channel, adapter);
      declareChannelLabel(adapter.channel, adapter.label);
    }
  }

  get(channel: string): ChannelAdapter | undefined {
    return this.adapters.get(channel);
  }

  /**
   * The channel replies to a message from `channel` go on when not that one: a channel that cannot
   * carry them names another (voice: the caller hung up, so SMS), used when that one runs here.
   */
  replyChannelFor(channel: string): string | undefined {
    const via = this.adapters.get(channel)?.automaticRepliesVia;
    return via && this.adapters.has(via) ? via : undefined;
  }

  /**
   * The channels a message may be delivered on (a secure link is read in the hub, announced on
   * another channel, never delivered on its own): what staff may ask a send, a reminder or a
   * patient's consent for.
   */
  deliveryChannels(): ChannelAdapter[] {
    return this.all().filter((adapter) => !adapter.readInPlace);
  }

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }
}
