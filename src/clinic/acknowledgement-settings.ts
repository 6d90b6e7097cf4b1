import type { AcknowledgementSettings } from '../platform/db/schema';

// The clinic's "we got your message" setting, as admins edit it (settings-routes) and triage reads it
// (triage/acknowledgement.ts decides when one is due and sends it).

/** Two SMS segments: the acknowledgement is a courtesy, never a wall of text. */
export const ACKNOWLEDGEMENT_TEXT_MAX = 320;
export const ACKNOWLEDGEMENT_WINDOW_MINUTES = { min: 5, max: 7 * 24 * 60, default: 4 * 60 };

export interface Acknowledgement {
  /**
   * Off until an admin turns it on: it promises patients a reply time, which must be the clinic's
   * own promise, read and accepted by someone there, before any patient gets it.
   */
  enabled: boolean;
  /** At most one acknowledgement per conversation in this many minutes. */
  windowMinutes: number;
  /** The clinic's wording per language code; a language without one gets the shipped template. */
  texts: Record<string, string>;
}

/** The stored settings (null before an admin touched them) with their defaults filled in. */
export function acknowledgementSettings(stored: AcknowledgementSettings | null | undefined): Acknowledgement {
  return {
    enabled: stored?.enabled ?? false,
    windowMinutes: stored?.windowMinutes ?? ACKNOWLEDGEMENT_WINDOW_MINUTES.default,
    texts: stored?.texts ?? {},
  };
}
