import type { IntentDefinition } from './intent-catalog';
import { URGENCIES, type Urgency } from './intent-schema';

/** One compiled alternation per intent: which intents' strong keywords a message contains. */
export class KeywordRules {
  private readonly rules: { intent: string; regex: RegExp }[];

  /**
   * @param inflected intents whose keywords also read with an English inflection after them ("rebook"
   *   reads "rebooked", "invoice" reads "invoices"): a keyword list spells a word once, as the patient
   *   may not. Consent and carrier keywords are left exact ("stop" is no "stopped").
   */
  constructor(intents: readonly IntentDefinition[], inflected: (intent: string) => boolean = () => false) {
    this.rules = intents
      .filter((i) => i.keywords.length > 0)
      .map((i) => ({
        intent: i.name,
        regex: wordBounded(i.keywords, 'u', inflected(i.name) ? INFLECTION : ''),
      }));
  }

  /** Intent name -> first keyword phrase found in the normalized text. */
  match(text: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const rule of this.rules) {
      const m = rule.regex.exec(text);
      if (m) found.set(rule.intent, m[0]);
    }
    return found;
  }
}

/** Raises an intent's default urgency when the message says so ("ran out", "getting worse"); never lowers it. */
export class UrgencyRules {
  private readonly byIntent = new Map<string, { urgency: Urgency; regex: RegExp }[]>();

  constructor(intents: readonly IntentDefinition[]) {
    for (const intent of intents) {
      this.byIntent.set(
        intent.name,
        intent.urgencyRules.map((r) => ({ urgency: r.urgency, regex: wordBounded(r.patterns, 'u') })),
      );
    }
  }

  raise(intent: string, base: Urgency, text: string): { urgency: Urgency; cue?: string } {
    let result: { urgency: Urgency; cue?: string } = { urgency: base };
    for (const rule of this.byIntent.get(intent) ?? []) {
      if (rank(rule.urgency) <= rank(result.urgency)) continue;
      const m = rule.regex.exec(text);
      if (m) result = { urgency: rule.urgency, cue: m[0] };
    }
    return result;
  }
}

export function rank(urgency: Urgency): number {
  return URGENCIES.indexOf(urgency);
}

// English inflections a keyword may carry: plural or third person, past, gerund.
const INFLECTION = '(?:s|es|d|ed|ing)?';

export function wordBounded(sources: readonly string[], flags: string, suffix = ''): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${sources.join('|')})${suffix}(?![\\p{L}\\p{N}])`, flags);
}
