/**
 * How sensitive content is, lowest first. One vocabulary with the channel port, which re-exports
 * it: an adapter declares its maxSensitivity in these same words.
 */
export type Sensitivity = 'public' | 'limited' | 'phi';

/** Order of sensitivity, lowest first: content may go on a channel whose rank is at least its own. */
export const sensitivityRank: Readonly<Record<Sensitivity, number>> = { public: 0, limited: 1, phi: 2 };

/** True when a channel whose ceiling is `max` may carry content of `sensitivity`. */
export function canCarry(max: Sensitivity, sensitivity: Sensitivity): boolean {
  return sensitivityRank[sensitivity] <= sensitivityRank[max];
}

/**
 * The default ceiling per channel. Webchat is listed at its unverified level; a verified session
 * raises it (see effectiveMaxSensitivity). A channel not listed here defaults to `public`: a
 * channel nobody has classified carries nothing sensitive until a clinic override says otherwise.
 */
const defaultMaxSensitivity: Readonly<Record<string, Sensitivity>> = {
  sms: 'limited',
  email: 'limited',
  voice: 'limited',
  securelink: 'phi',
  webchat: 'limited',
  botframework: 'limited',
};

/** Channels on which a secure-link notice is useless because a link cannot be followed from them. */
const channelsWithoutLinks: ReadonlySet<string> = new Set(['voice']);

/** True when a notice carrying a secure link makes sense on this channel (not on a phone call). */
export function canCarrySecureLinkNotice(channel: string): boolean {
  return !channelsWithoutLinks.has(channel);
}

export interface ChannelCapabilityInput {
  channel: string;
  /** The clinic's per-channel ceilings; each replaces that channel's default. */
  clinicOverrides?: Partial<Record<string, Sensitivity>>;
  /** Webchat only: the patient proved who they are in this session. */
  verifiedSession?: boolean;
  /** The ledger records that this patient, after a warning, accepted unencrypted PHI on this channel. */
  patientAcceptedUnencryptedPhi?: boolean;
}

/**
 * The highest sensitivity this channel may carry for this patient.
 *
 * Order: the clinic override (or the default) first; the patient's recorded acceptance of
 * unencrypted PHI then raises the channel to `phi` for that patient only. Last, an unverified
 * webchat session is capped at `limited` whatever the override or acceptance says: the risk there
 * is not encryption but not knowing who is on the other end, which neither the clinic nor a
 * previous acceptance can vouch for.
 */
export function effectiveMaxSensitivity(input: ChannelCapabilityInput): Sensitivity {
  const { channel } = input;
  const base =
    channel === 'webchat' && input.verifiedSession ? 'phi' : (defaultMaxSensitivity[channel] ?? 'public');
  let max: Sensitivity = input.clinicOverrides?.[channel] ?? base;
  if (input.patientAcceptedUnencryptedPhi) max = 'phi';
  if (channel === 'webchat' && !input.verifiedSession && sensitivityRank[max] > sensitivityRank.limited) {
    max = 'limited';
  }
  return max;
}
