import type { IntentDefinition } from './intent-catalog';
import { URGENCIES, type Urgency } from './intent-schema';

/** One compiled alternation per intent: which intents' strong keywords a message contains. */
export class KeywordRules {
  private readonly rules: { intent: string; regex: RegExp }[];

  constructor(intents: readonly IntentDefinition[]) {
    this.rules = intents
      .filter((i) => i.keywords.length > 0)
      .map((i) => ({ intent: i.name, regex: wordBounded(i.keywords, 'u') }));
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

export function wordBounded(sources: readonly string[], flags: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${sources.join('|')})(?![\\p{L}\\p{N}])`, flags);
}
