import type { Sensitivity } from '../channel-port';

// One vocabulary with the channel port: an adapter declares its maxSensitivity in these same words.
export type { Sensitivity } from '../channel-port';

/** Order of sensitivity, lowest first: content may go on a channel whose rank is at least its own. */
export const sensitivityRank: Readonly<Record<Sensitivity, number>> = { public: 0, limited: 1, phi: 2 };

/** True when a channel whose ceiling is `max` may carry content of `sensitivity`. */
export function canCarry(max: Sensitivity, sensitivity: Sensitivity): boolean {
  return sensitivityRank[sensitivity] <= sensitivityRank[max];
}

export interface ChannelCapabilityInput {
  channel: string;
  /** The ceiling the channel's adapter declares (ChannelAdapter.maxSensitivity). */
  declared: Sensitivity;
  /** The clinic's per-channel ceilings; each replaces that channel's default. */
  clinicOverrides?: Partial<Record<string, Sensitivity>>;
  /** Web chat only: the patient proved who they are in this session. */
  verifiedSession?: boolean;
  /** The ledger records that this patient, after a warning, accepted unencrypted PHI on this channel. */
  patientAcceptedUnencryptedPhi?: boolean;
}

/**
 * The highest sensitivity this channel may carry for this patient.
 *
 * Order: the clinic override (or the adapter's declared ceiling) first; the patient's recorded acceptance of
 * unencrypted PHI then raises the channel to `phi` for that patient only. Last, an unverified
 * webchat session is capped at `limited` whatever the override or acceptance says: the risk there
 * is not encryption but not knowing who is on the other end, which neither the clinic nor a
 * previous acceptance can vouch for.
 */
export function effectiveMaxSensitivity(input: ChannelCapabilityInput): Sensitivity {
  const { channel } = input;
  // Channel-specific on purpose: only a web chat session can be verified (see conversations/contact-verification).
  const base = channel === 'webchat' && input.verifiedSession ? 'phi' : input.declared;
  let max: Sensitivity = input.clinicOverrides?.[channel] ?? base;
  if (input.patientAcceptedUnencryptedPhi) max = 'phi';
  if (channel === 'webchat' && !input.verifiedSession && sensitivityRank[max] > sensitivityRank.limited) {
    max = 'limited';
  }
  return max;
}
