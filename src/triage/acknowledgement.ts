import { and, eq, gt } from 'drizzle-orm';
import {
  ACKNOWLEDGEMENT_TEXT_MAX,
  ACKNOWLEDGEMENT_WINDOW_MINUTES,
  type Acknowledgement,
  acknowledgementSettings,
} from '../clinic/acknowledgement-settings';
import type { Transaction } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import type { TriageResult } from './index';

export {
  ACKNOWLEDGEMENT_TEXT_MAX,
  ACKNOWLEDGEMENT_WINDOW_MINUTES,
  type Acknowledgement,
  acknowledgementSettings,
};

import { SLA_MINUTES } from './urgency';

/** The `automation` an acknowledgement is stored with; the window is counted from the last one. */
export const ACKNOWLEDGEMENT = 'acknowledgement';
export const ACKNOWLEDGEMENT_TEMPLATE = 'message-acknowledgement';

/** The hours the acknowledgement promises: the SLA of the message's urgency, rounded up. */
export const replyHours = (urgency: TriageResult['urgency']) => Math.ceil(SLA_MINUTES[urgency] / 60);

/**
 * Whether this message gets an acknowledgement: the clinic has them on; the message is routine to
 * urgent (an emergency gets the safety reply, which says more); nothing else answered it in this
 * run (an appointment confirmation already tells the patient they were heard); and no
 * acknowledgement went in this conversation within the window. Consent is not looked at here: the
 * reply goes through the one gate (planOutbound), which refuses it to a patient who opted out.
 * The caller holds the conversation's row lock in its transaction (the triage job routes the
 * conversation first), so two messages of one conversation triaged at once cannot both be
 * acknowledged.
 */
export async function acknowledgementDue(
  tx: Transaction,
  input: {
    settings: Acknowledgement;
    result: Pick<TriageResult, 'intent' | 'urgency'>;
    alreadyAnswered: boolean;
    conversationId: string;
    now: Date;
  },
): Promise<boolean> {
  const { settings, result } = input;
  if (!settings.enabled || input.alreadyAnswered) return false;
  if (result.urgency === 'emergency' || result.intent === 'emergency' || result.intent === 'opt_out') {
    return false;
  }
  const since = new Date(input.now.getTime() - settings.windowMinutes * 60_000);
  const [recent] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, input.conversationId),
        eq(messages.automation, ACKNOWLEDGEMENT),
        gt(messages.createdAt, since),
      ),
    )
    .limit(1);
  return !recent;
}

/** The clinic's own wording for this language (or its base language: `es` for `es-MX`), if any. */
export function clinicWording(settings: Acknowledgement, language: string | undefined): string | null {
  if (!language) return settings.texts.en ?? null;
  return settings.texts[language] ?? settings.texts[language.split('-')[0]!] ?? null;
}
