import type { ChannelAdapter } from './index';

/** The adapters the hub runs, by channel name. */
export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  constructor(adapters: ChannelAdapter[]) {
    for (const adapter of adapters) {
      if (this.adapters.has(adapter.channel)) throw new Error(`channel ${adapter.channel} registered twice`);
      this.adapters.set(adapter.channel, adapter);
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

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }
}
