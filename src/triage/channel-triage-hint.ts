import type { TriageHint } from '../channel-port';
import type { IntentDefinition, TriageContext, TriageResult } from './index';
import { sentence } from './triage-findings';

/**
 * The triage result for a decision the channel already knows (a key pressed in a phone menu): the
 * hinted intent with its queue and default urgency from `intents/`. Null when the hint names no
 * known intent, so the message is classified as usual rather than mis-routed.
 */
export function triageFromHint(
  hint: TriageHint,
  intents: readonly IntentDefinition[],
  version: string,
  context: TriageContext,
): TriageResult | null {
  const intent = intents.find((i) => i.name === hint.intent);
  if (!intent) return null;
  const language = context.language?.toLowerCase().slice(0, 2);
  return {
    intent: intent.name,
    urgency: intent.urgency,
    confidence: 1,
    queue: intent.queue,
    // The caller pressed a key: the nearest of the existing engines, and never `context`, which
    // would let a menu choice confirm or cancel an appointment.
    engine: 'keyword',
    reasons: [hint.reason],
    // The channel's reason is already written for staff ("phone menu: the caller chose Refills").
    findings: [sentence(hint.reason)],
    version,
    language: language === 'en' || language === 'es' ? language : 'unknown',
    // A menu key says nothing about symptoms; a nurse queue choice counts as clinical all the same.
    clinicalContent: intent.queue === 'nurse-triage',
  };
}
