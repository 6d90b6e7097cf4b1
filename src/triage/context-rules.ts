import type { IntentDefinition } from './intent-catalog';
import { normalizeText } from './text-normalizer';
import { intentSummary, templatePhrase } from './triage-findings';

export interface ReplyDecision {
  intent: string;
  engine: 'context' | 'keyword';
  confidence: number;
  reasons: string[];
  /** The same, in the words staff read (see triage-findings.ts). */
  findings: string[];
}

export interface ReplyContext {
  lastOutboundTemplate?: string;
}

// The intent for a short reply whose meaning depends on a message we did not send.
const UNANCHORED_INTENT = 'general';

/**
 * Whole-message replies: "C"/"1"/"si" after a reminder, and carrier keywords (STOP, START, HELP).
 * A reminder reply word with no reminder before it is deliberately *not* read as confirm/cancel:
 * "yes" or "2" answers some question we cannot see, so it goes to a person as `general`.
 * "CANCEL" alone outside a reminder is the carrier opt-out keyword (carriers and Twilio treat it as STOP),
 * so it maps to `opt_out`; right after a reminder it means "cancel my appointment".
 */
export class ContextRules {
  private readonly contextReplies = new Map<string, Map<string, string>>();
  private readonly wholeMessageKeywords = new Map<string, string>();
  private readonly anyContextReply = new Set<string>();
  private readonly summaries = new Map<string, string>();

  constructor(intents: readonly IntentDefinition[]) {
    for (const intent of intents) {
      this.summaries.set(intent.name, intentSummary(intent));
      for (const keyword of intent.wholeMessageKeywords)
        this.wholeMessageKeywords.set(replyKey(keyword), intent.name);
      for (const [template, replies] of Object.entries(intent.contextReplies)) {
        let byReply = this.contextReplies.get(template);
        if (!byReply) {
          byReply = new Map();
          this.contextReplies.set(template, byReply);
        }
        for (const reply of replies) {
          byReply.set(replyKey(reply), intent.name);
          this.anyContextReply.add(replyKey(reply));
        }
      }
    }
  }

  decide(tokens: readonly string[], context: ReplyContext | undefined): ReplyDecision | null {
    if (tokens.length === 0 || tokens.length > 3) return null;
    const key = replyKey(tokens.join(' '));
    const template = context?.lastOutboundTemplate;
    const inContext = template ? this.contextReplies.get(template)?.get(key) : undefined;
    if (inContext && template) {
      return {
        intent: inContext,
        engine: 'context',
        confidence: 0.97,
        reasons: [`short reply "${key}" to the last outbound "${template}" means ${inContext}`],
        findings: [`${this.summaries.get(inContext)} (replied “${key}” to ${templatePhrase(template)})`],
      };
    }
    const keywordIntent = this.wholeMessageKeywords.get(key);
    if (keywordIntent) {
      return {
        intent: keywordIntent,
        engine: 'keyword',
        confidence: 0.99,
        reasons: [`whole message is the keyword "${key.toUpperCase()}" (${keywordIntent})`],
        findings: [`${this.summaries.get(keywordIntent)} (sent the keyword ${key.toUpperCase()})`],
      };
    }
    if (this.anyContextReply.has(key)) {
      return {
        intent: UNANCHORED_INTENT,
        engine: 'context',
        confidence: 0.3,
        reasons: [
          `short reply "${key}" only has a meaning after a reminder, and ${template ? `the last outbound was "${template}"` : 'no outbound context was given'}`,
        ],
        findings: [`A short reply (“${key}”) that answers no reminder: a person reads it`],
      };
    }
    return null;
  }
}

/** "Yes yes", "YES!" and "yes" are the same reply; "Sí" and "si" too. */
function replyKey(text: string): string {
  const words = normalizeText(text).tokens;
  return words.filter((w, i) => w !== words[i - 1]).join(' ');
}
