/**
 * How each channel is named in the sentences a person reads ("SMS", "web chat"), as its adapter
 * declares it (ChannelAdapter.label); the channel registry records the labels when it is built. A
 * channel name means the same channel in every hub of a process, so one table serves them all, and
 * the writers of reasons and failure sentences (the policy, the send job, the presenters) name a
 * channel without a registry threaded through each of them. An undeclared channel is named as is.
 */
const labels = new Map<string, string>();

/** Records the label an adapter declares for its channel. */
export function declareChannelLabel(channel: string, label: string): void {
  labels.set(channel, label);
}

/** How a channel is named in the reasons a person reads ("SMS", "secure link"). */
export function channelLabel(channel: string): string {
  return labels.get(channel) ?? channel;
}
