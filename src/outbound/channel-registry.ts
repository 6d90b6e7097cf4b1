import type { ChannelAdapter } from '../channel-port';

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

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }
}
