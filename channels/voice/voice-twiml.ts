import twilio from 'twilio';
import {
  MENU_HINTS,
  otherLanguage,
  PROMPTS,
  REMINDER_HINTS,
  SPEECH,
  type VoiceLanguage,
} from './voice-prompts';

const { VoiceResponse } = twilio.twiml;

export const VOICE_BASE_PATH = '/webhooks/twilio/voice';

/** Why a caller is recording: they asked for the nurse (4), or chose nothing. */
export type VoicemailReason = 'nurse' | 'no-input';

/** How many times a menu is offered before the caller is taken to voicemail (or, for a reminder, left). */
export const MENU_ATTEMPTS = 2;

/**
 * The absolute URLs Twilio is told to call back. Absolute (PUBLIC_URL based) because Twilio signs the
 * exact URL it requests, and the signature is checked against PUBLIC_URL + path + query.
 */
export function voiceUrls(publicUrl: string) {
  const url = (path: string, query: Record<string, string | number> = {}) => {
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return `${publicUrl}${VOICE_BASE_PATH}${path}${search ? `?${search}` : ''}`;
  };
  return {
    menu: (lang: VoiceLanguage, attempt: number) => url('/menu', { lang, attempt }),
    voicemail: (lang: VoiceLanguage, reason: VoicemailReason) => url('/voicemail', { lang, reason }),
    recorded: (lang: VoiceLanguage, reason: VoicemailReason) => url('/recorded', { lang, reason }),
    transcription: (lang: VoiceLanguage, reason: VoicemailReason) => url('/transcription', { lang, reason }),
    status: () => url('/status'),
    outbound: (messageId: string, attempt: number) => url('/outbound', { message: messageId, attempt }),
    answer: (messageId: string, lang: VoiceLanguage) => url('/answer', { message: messageId, lang }),
  };
}

export type VoiceUrls = ReturnType<typeof voiceUrls>;

/** An empty answer, for callbacks whose TwiML Twilio ignores (status, transcription). */
export const EMPTY_TWIML = new VoiceResponse().toString();

type Response = InstanceType<typeof VoiceResponse>;

const say = (to: Response | ReturnType<Response['gather']>, lang: VoiceLanguage, text: string) =>
  to.say({ language: SPEECH[lang].say.language, voice: SPEECH[lang].say.voice }, text);

/** Says something, then hangs up: every polite ending (thanks, refusals, unknown messages). */
export function sayAndHangUp(lang: VoiceLanguage, text: string): string {
  const response = new VoiceResponse();
  say(response, lang, text);
  response.hangup();
  return response.toString();
}

/** A gather for one answer, a key or a spoken word, in the caller's language, posted to `action`. */
function oneKeyOrWord(lang: VoiceLanguage, hints: string, action: string) {
  return {
    input: ['dtmf', 'speech'] as ('dtmf' | 'speech')[],
    numDigits: 1,
    timeout: 6,
    speechTimeout: 'auto',
    language: SPEECH[lang].gather,
    hints,
    action,
    method: 'POST' as const,
  };
}

/** The main menu: keypad or speech, in the caller's language, with the offer to switch language. */
export function menuTwiml(options: {
  lang: VoiceLanguage;
  clinicName: string;
  urls: VoiceUrls;
  attempt: number;
}): string {
  const { lang, urls, attempt } = options;
  const prompts = PROMPTS[lang];
  const response = new VoiceResponse();
  const gather = response.gather({
    ...oneKeyOrWord(lang, MENU_HINTS[lang], urls.menu(lang, attempt)),
    // No input is an answer too: the menu callback then repeats the menu or offers voicemail.
    actionOnEmptyResult: true,
  });
  say(gather, lang, attempt === 1 ? prompts.greeting(options.clinicName) : prompts.notUnderstood);
  say(gather, lang, prompts.menu);
  const other = otherLanguage(lang);
  say(gather, other, PROMPTS[other].switchOffer);
  return response.toString();
}

/** Record a voicemail, transcribed; the transcription callback is where it is stored. */
export function voicemailTwiml(options: { lang: VoiceLanguage; urls: VoiceUrls; reason: VoicemailReason }) {
  const { lang, urls, reason } = options;
  const prompts = PROMPTS[lang];
  const response = new VoiceResponse();
  say(response, lang, reason === 'nurse' ? prompts.voicemail : prompts.voicemailAfterNoChoice);
  response.record({
    action: urls.recorded(lang, reason),
    method: 'POST',
    // Twilio transcribes recordings of up to two minutes only.
    maxLength: 120,
    timeout: 5,
    finishOnKey: '#',
    playBeep: true,
    trim: 'trim-silence',
    transcribe: true,
    transcribeCallback: urls.transcription(lang, reason),
  });
  // Reached only when nothing was recorded (Twilio then skips the action URL).
  say(response, lang, prompts.noRecording);
  response.hangup();
  return response.toString();
}

/**
 * An outbound call: reads the message, then offers its answers (confirm, cancel, staff for a
 * reminder; a call back otherwise). Offered twice, then goodbye.
 */
export function outboundCallTwiml(options: {
  lang: VoiceLanguage;
  body: string;
  messageId: string;
  isReminder: boolean;
  urls: VoiceUrls;
  attempt: number;
}): string {
  const { lang, urls, messageId, attempt } = options;
  const prompts = PROMPTS[lang];
  const response = new VoiceResponse();
  const gather = response.gather(oneKeyOrWord(lang, REMINDER_HINTS[lang], urls.answer(messageId, lang)));
  say(gather, lang, options.body);
  say(gather, lang, options.isReminder ? prompts.reminderOptions : prompts.callbackOption);
  if (attempt < MENU_ATTEMPTS) response.redirect({ method: 'POST' }, urls.outbound(messageId, attempt + 1));
  else {
    say(response, lang, prompts.goodbye);
    response.hangup();
  }
  return response.toString();
}

/** Optionally says something, then hands the call to another step. */
export function redirectTwiml(url: string, before?: { lang: VoiceLanguage; text: string }): string {
  const response = new VoiceResponse();
  if (before) say(response, before.lang, before.text);
  response.redirect({ method: 'POST' }, url);
  return response.toString();
}
