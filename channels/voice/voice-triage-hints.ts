import type { TriageHint } from '../../src/channel-port';
import { MENU_OPTION_LABEL, type MenuOption } from './voice-prompts';

/** What a stored voice message is, in its channelMeta.kind. */
export const VOICE_MESSAGE_KIND = {
  menuChoice: 'menu_choice',
  voicemail: 'voicemail',
  callAnswer: 'call_answer',
  missedCall: 'missed_call',
} as const;

// Appointments go to the front desk as `general`, not `reschedule`: a caller who wants a new
// appointment is not asking to move one, and `reschedule` right after a reminder would mark it so.
const MENU_INTENT: Record<Exclude<MenuOption, 'nurse_message'>, string> = {
  appointments: 'general',
  prescriptions: 'refill',
  billing: 'billing',
};

/**
 * The triage decision a voice message carries without text to read: a menu key, a request to talk
 * to staff, a missed call, a voicemail Twilio could not transcribe. Null for what triage should
 * read like any text: voicemail transcripts (so "chest pain" escalates) and the "1"/"2" answers to
 * a reminder call (read in the reminder's context, exactly like the SMS reply).
 */
export function voiceTriageHint(meta: Record<string, unknown>): TriageHint | null {
  switch (meta.kind) {
    case VOICE_MESSAGE_KIND.menuChoice: {
      const option = meta.option as MenuOption;
      if (!(option in MENU_INTENT)) return null;
      const how = typeof meta.speech === 'string' ? 'said' : `pressed ${String(meta.digits)}`;
      return {
        intent: MENU_INTENT[option as keyof typeof MENU_INTENT],
        reason: `phone menu: the caller chose ${MENU_OPTION_LABEL[option]} (${how})`,
      };
    }
    case VOICE_MESSAGE_KIND.callAnswer:
      return meta.answer === 'staff'
        ? { intent: 'general', reason: 'asked to talk to staff during our call: call them back' }
        : null;
    case VOICE_MESSAGE_KIND.voicemail:
      // Unheard words may be anything, an emergency included: a nurse listens first.
      return meta.transcribed === true
        ? null
        : {
            intent: 'clinical_question',
            reason: 'voicemail without a transcription: a nurse should listen to it',
          };
    case VOICE_MESSAGE_KIND.missedCall:
      return {
        intent: 'general',
        reason: 'missed call: the caller hung up before choosing an option or leaving a voicemail',
      };
    default:
      return null;
  }
}
