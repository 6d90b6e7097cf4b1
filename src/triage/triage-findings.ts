import type { IntentDefinition } from './intent-catalog';
import type { DismissingKind, RedFlagAssessment } from './red-flag-engine';

/*
 * Findings are the triage note in the words a front desk uses ("Asked a clinical question",
 * "Emergency sign: pain spreading to the arm or jaw"). The `reasons` beside them keep the engine's
 * own account (intent ids, scores, rule names) for whoever tunes triage; staff read these. Every
 * name in them comes from `intents/`: an intent's `summary`, a concept's `label`.
 */

const SIGN: Record<'emergency' | 'urgent' | 'soon', string> = {
  emergency: 'Emergency sign',
  urgent: 'Urgent sign',
  soon: 'Warning sign',
};

const NOT_COUNTED: Record<DismissingKind, string> = {
  negated: 'Negated',
  figurative: 'Not counted, a figure of speech',
  hypothetical: 'Not counted, a question about it',
  historical: 'Not counted, past history',
  resolved: 'Not counted, over now',
};

/** Whether a finding is one of redFlagFindings' (kept when the LLM replaces the rest). */
export function isRedFlagFinding(finding: string): boolean {
  return [...Object.values(SIGN), ...Object.values(NOT_COUNTED)].some((start) =>
    finding.startsWith(`${start}: `),
  );
}

/** "Asked a clinical question": the intent's summary, or its label or name spelled out. */
export function intentSummary(intent: Pick<IntentDefinition, 'name' | 'label' | 'summary'>): string {
  return intent.summary ?? intentLabel(intent);
}

/** "Clinical question": the intent's name as staff read it, its id spelled out when it has no label. */
export function intentLabel(intent: Pick<IntentDefinition, 'name' | 'label'>): string {
  return intent.label ?? spellOut(intent.name);
}

/** Each live red flag, with the modifiers that mattered, then each one not counted and why. */
export function redFlagFindings(flags: RedFlagAssessment): string[] {
  const findings: string[] = [];
  for (const hit of flags.live) {
    findings.push(`${SIGN[hit.level ?? 'soon']}: ${hit.label} (“${hit.phrase}”)`);
    for (const note of hit.notes) findings.push(sentence(note));
  }
  for (const hit of flags.dismissed) {
    const why = hit.dismissedAs ? NOT_COUNTED[hit.dismissedAs] : 'Not counted';
    findings.push(`${why}: ${hit.label} (“${hit.phrase}”)`);
  }
  return findings;
}

/** `appointment-reminder` as a sentence names it: "the appointment reminder". */
export function templatePhrase(template: string): string {
  return `the ${spellOut(template).toLowerCase()}`;
}

/** A first letter in capitals: a note written mid-sentence read as a line of its own. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

function spellOut(slug: string): string {
  return sentence(slug.replace(/[-_]+/g, ' '));
}
