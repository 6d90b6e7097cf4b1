import { declareIdentityKind } from '../platform/addresses/identity-kinds';
import { declareChannelLabel } from '../policy/channel-labels';
import type { AutomatedSendKind, ChannelAdapter } from './index';

/** The adapters the hub runs, by channel name. */
export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  constructor(adapters: ChannelAdapter[]) {
    for (const adapter of adapters) {
      if (this.adapters.has(adapter.channel)) throw new Error(`channel ${adapter.channel} registered twice`);
      this.adapters.set(adapter.channel, adapter);
      declareChannelLabel(adapter.channel, adapter.label);
      for (const declaration of adapter.identityKinds ?? []) declareIdentityKind(declaration);
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

  /**
   * The channel the hub picks when a send names none and nothing else decides (an appointment
   * reminder): the lowest declared fallback rank among those not kept for when asked by name.
   */
  firstChoice(): ChannelAdapter | undefined {
    return this.deliveryChannels()
      .filter((adapter) => adapter.fallbackRank !== undefined && !adapter.onlyWhenRequested)
      .sort((a, b) => (a.fallbackRank ?? 0) - (b.fallbackRank ?? 0))[0];
  }

  /** The delivery channels that declare they may be asked for this kind of automated send. */
  carrying(kind: AutomatedSendKind): ChannelAdapter[] {
    return this.deliveryChannels().filter((adapter) => adapter.canCarry?.includes(kind));
  }

  /** The patient page that takes a handoff from a confirmed secure link, if a channel has one. */
  secureLinkHandoffPage(): string | undefined {
    return this.all().find((adapter) => adapter.acceptsSecureLinkHandoff)?.patientPage;
  }

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }
}
