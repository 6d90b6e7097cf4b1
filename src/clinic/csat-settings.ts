import type { CsatSettings } from '../platform/db/schema';

// The clinic's rating question after a resolved conversation, as admins set it (PATCH /settings
// `csat`), the resolve routes read it (csat-question.ts) and intake reads its window (csat-answers.ts).

export const CSAT_WINDOW_HOURS = { min: 1, max: 7 * 24, default: 24 };

export interface Csat {
  /** Off until an admin turns it on: a message the patient did not ask for is the clinic's choice. */
  enabled: boolean;
  /** How long after the question a bare 1-5 reply counts as the rating. */
  windowHours: number;
}

/** The stored settings (null before an admin touched them) with their defaults filled in. */
export function csatSettings(stored: CsatSettings | null | undefined): Csat {
  return {
    enabled: stored?.enabled ?? false,
    windowHours: stored?.windowHours ?? CSAT_WINDOW_HOURS.default,
  };
}
