/**
 * What the phone menu says and understands, in English and Spanish. Wording lives here rather than
 * in `templates/` because it is the channel's own dialogue (menu, beeps, goodbyes), not a message
 * the clinic sends; the messages a call reads out (reminders) do come from templates.
 */

export type VoiceLanguage = 'en' | 'es';

export const VOICE_LANGUAGES = ['en', 'es'] as const;

/** Spanish for contacts whose language on file is Spanish (`es`, `es-MX`...); English otherwise. */
export function voiceLanguageOf(language: string | null | undefined): VoiceLanguage {
  return language?.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function otherLanguage(language: VoiceLanguage): VoiceLanguage {
  return language === 'es' ? 'en' : 'es';
}

/** How Twilio should speak and listen in each language. */
export const SPEECH = {
  en: { say: { language: 'en-US', voice: 'Polly.Joanna' }, gather: 'en-US' },
  es: { say: { language: 'es-MX', voice: 'Polly.Mia' }, gather: 'es-US' },
} as const;

export type MenuOption = 'appointments' | 'prescriptions' | 'billing' | 'nurse_message';
export type MenuChoice = MenuOption | 'switch_language';

const MENU_DIGITS: Record<string, MenuChoice> = {
  '1': 'appointments',
  '2': 'prescriptions',
  '3': 'billing',
  '4': 'nurse_message',
  '9': 'switch_language',
};

export const MENU_OPTION_DIGIT: Record<MenuOption, string> = {
  appointments: '1',
  prescriptions: '2',
  billing: '3',
  nurse_message: '4',
};

/** What staff read for each option (stored bodies are in the clinic's working language). */
export const MENU_OPTION_LABEL: Record<MenuOption, string> = {
  appointments: 'appointments',
  prescriptions: 'prescriptions and refills',
  billing: 'billing',
  nurse_message: 'a message for the nurse',
};

export type ReminderAnswer = 'confirm' | 'cancel' | 'staff';

const REMINDER_DIGITS: Record<string, ReminderAnswer> = { '1': 'confirm', '2': 'cancel', '3': 'staff' };

export const REMINDER_ANSWER_DIGIT: Record<ReminderAnswer, string> = {
  confirm: '1',
  cancel: '2',
  staff: '3',
};

// Spoken words per choice, accents removed and lower-cased. A digit said aloud counts as pressed.
const MENU_WORDS: Record<MenuChoice, string[]> = {
  appointments: ['appointment', 'appointments', 'schedule', 'booking', 'cita', 'citas', 'one', 'uno'],
  prescriptions: [
    'prescription',
    'prescriptions',
    'refill',
    'refills',
    'medication',
    'medications',
    'medicine',
    'pharmacy',
    'receta',
    'recetas',
    'medicina',
    'medicamento',
    'medicamentos',
    'resurtido',
    'farmacia',
    'two',
    'dos',
  ],
  billing: [
    'bill',
    'billing',
    'payment',
    'pay',
    'invoice',
    'balance',
    'insurance',
    'factura',
    'facturacion',
    'pago',
    'pagar',
    'cuenta',
    'seguro',
    'three',
    'tres',
  ],
  nurse_message: ['nurse', 'message', 'voicemail', 'enfermera', 'enfermero', 'mensaje', 'four', 'cuatro'],
  switch_language: ['espanol', 'spanish', 'english', 'ingles', 'nine', 'nueve'],
};

const REMINDER_WORDS: Record<ReminderAnswer, string[]> = {
  confirm: ['yes', 'yeah', 'yep', 'confirm', 'confirmed', 'si', 'confirmo', 'confirmar', 'one', 'uno'],
  cancel: ['no', 'cancel', 'cancelled', 'canceled', 'cancelar', 'cancelo', 'two', 'dos'],
  staff: [
    'staff',
    'person',
    'someone',
    'representative',
    'operator',
    'agent',
    'human',
    'persona',
    'personal',
    'alguien',
    'recepcion',
    'three',
    'tres',
  ],
};

function words(speech: string): string[] {
  return speech
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The one choice the words name, or null when they name none or several ("billing or refills?"). */
function matchWords<T extends string>(speech: string, table: Record<T, string[]>): T | null {
  const said = new Set(words(speech));
  const named = (Object.keys(table) as T[]).filter((choice) => table[choice].some((w) => said.has(w)));
  return named.length === 1 ? named[0]! : null;
}

/** The menu choice from a key press or, failing that, from what the caller said. */
export function parseMenuInput(input: { digits?: string; speech?: string }): MenuChoice | null {
  const digits = input.digits?.trim();
  if (digits) return MENU_DIGITS[digits] ?? null;
  return input.speech ? matchWords(input.speech, MENU_WORDS) : null;
}

/** The answer to a reminder call from a key press or, failing that, from what the person said. */
export function parseReminderInput(input: { digits?: string; speech?: string }): ReminderAnswer | null {
  const digits = input.digits?.trim();
  if (digits) return REMINDER_DIGITS[digits] ?? null;
  return input.speech ? matchWords(input.speech, REMINDER_WORDS) : null;
}

/** Speech recognition hints: the words the menus listen for. */
export const MENU_HINTS: Record<VoiceLanguage, string> = {
  en: 'appointments, prescriptions, refills, billing, nurse, message, Spanish',
  es: 'citas, recetas, medicamentos, facturación, pago, enfermera, mensaje, inglés',
};

export const REMINDER_HINTS: Record<VoiceLanguage, string> = {
  en: 'yes, confirm, no, cancel, staff, person',
  es: 'sí, confirmar, no, cancelar, persona, recepción',
};

export interface Prompts {
  greeting(clinicName: string): string;
  menu: string;
  /** The offer to switch to this language, said in its own voice inside the other language's menu. */
  switchOffer: string;
  notUnderstood: string;
  choiceThanks(option: MenuOption): string;
  voicemail: string;
  voicemailAfterNoChoice: string;
  voicemailThanks: string;
  noRecording: string;
  blockedCaller(clinicName: string): string;
  reminderOptions: string;
  callbackOption: string;
  answerThanks: Record<ReminderAnswer, string>;
  goodbye: string;
  unavailable: string;
}

const OPTION_SPOKEN: Record<VoiceLanguage, Record<MenuOption, string>> = {
  en: {
    appointments: 'appointments',
    prescriptions: 'prescriptions and refills',
    billing: 'billing',
    nurse_message: 'a message for the nurse',
  },
  es: {
    appointments: 'citas',
    prescriptions: 'recetas y resurtidos',
    billing: 'facturación',
    nurse_message: 'un mensaje para la enfermera',
  },
};

export const PROMPTS: Record<VoiceLanguage, Prompts> = {
  en: {
    greeting: (clinic) =>
      `Thank you for calling ${clinic}. If this is a medical emergency, hang up and dial 9 1 1.`,
    menu: 'For appointments, press 1. For prescriptions and refills, press 2. For billing, press 3. To leave a message for the nurse, press 4. You can also say what you need.',
    switchOffer: 'For English, press 9.',
    notUnderstood: "Sorry, I didn't get that.",
    choiceThanks: (option) =>
      `Thank you. We have passed your request about ${OPTION_SPOKEN.en[option]} to our team, and someone will call you back. Goodbye.`,
    voicemail:
      'Please leave your name and your message for the nurse after the tone. When you have finished, hang up or press the pound key. If this is an emergency, hang up and dial 9 1 1.',
    voicemailAfterNoChoice:
      'Please leave your name and a message after the tone, and we will call you back. When you have finished, hang up or press the pound key.',
    voicemailThanks: 'Thank you. Your message has been recorded and our team will review it. Goodbye.',
    noRecording: 'We did not receive a message. Please call again. Goodbye.',
    blockedCaller: (clinic) =>
      `Thank you for calling ${clinic}. We cannot take requests from a blocked number. Please call again with your caller ID turned on. If this is an emergency, hang up and dial 9 1 1. Goodbye.`,
    reminderOptions:
      'To confirm this appointment, press 1. To cancel it, press 2. To talk to our staff, press 3.',
    callbackOption: 'To ask our staff to call you back, press 3.',
    answerThanks: {
      confirm: 'Thank you, we have recorded your confirmation. Goodbye.',
      cancel: 'Thank you, we have recorded that you want to cancel. Goodbye.',
      staff: 'Thank you. A member of our staff will call you back soon. Goodbye.',
    },
    goodbye: 'Goodbye.',
    unavailable: 'Sorry, this message is no longer available. Please call the clinic. Goodbye.',
  },
  es: {
    greeting: (clinic) =>
      `Gracias por llamar a ${clinic}. Si es una emergencia médica, cuelgue y marque el 9 1 1.`,
    menu: 'Para citas, oprima 1. Para recetas y resurtidos, oprima 2. Para facturación, oprima 3. Para dejar un mensaje a la enfermera, oprima 4. También puede decir lo que necesita.',
    switchOffer: 'Para español, oprima 9.',
    notUnderstood: 'Disculpe, no le entendí.',
    choiceThanks: (option) =>
      `Gracias. Hemos pasado su solicitud sobre ${OPTION_SPOKEN.es[option]} a nuestro equipo, y alguien le devolverá la llamada. Adiós.`,
    voicemail:
      'Deje su nombre y su mensaje para la enfermera después del tono. Cuando termine, cuelgue u oprima la tecla de numeral. Si es una emergencia, cuelgue y marque el 9 1 1.',
    voicemailAfterNoChoice:
      'Deje su nombre y un mensaje después del tono, y le devolveremos la llamada. Cuando termine, cuelgue u oprima la tecla de numeral.',
    voicemailThanks: 'Gracias. Su mensaje ha sido grabado y nuestro equipo lo revisará. Adiós.',
    noRecording: 'No recibimos ningún mensaje. Por favor, vuelva a llamar. Adiós.',
    blockedCaller: (clinic) =>
      `Gracias por llamar a ${clinic}. No podemos atender solicitudes de un número bloqueado. Vuelva a llamar con su identificador de llamadas activado. Si es una emergencia, cuelgue y marque el 9 1 1. Adiós.`,
    reminderOptions:
      'Para confirmar esta cita, oprima 1. Para cancelarla, oprima 2. Para hablar con nuestro personal, oprima 3.',
    callbackOption: 'Para pedir que nuestro personal le devuelva la llamada, oprima 3.',
    answerThanks: {
      confirm: 'Gracias, hemos registrado su confirmación. Adiós.',
      cancel: 'Gracias, hemos registrado que desea cancelar. Adiós.',
      staff: 'Gracias. Un miembro de nuestro personal le devolverá la llamada pronto. Adiós.',
    },
    goodbye: 'Adiós.',
    unavailable: 'Disculpe, este mensaje ya no está disponible. Por favor, llame a la clínica. Adiós.',
  },
};
