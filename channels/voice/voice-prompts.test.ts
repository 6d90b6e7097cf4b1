import { parseMenuInput, parseReminderInput, voiceLanguageOf } from './voice-prompts';
import { voiceTriageHint } from './voice-triage-hints';

describe('parseMenuInput', () => {
  test.each([
    [{ digits: '1' }, 'appointments'],
    [{ digits: '2' }, 'prescriptions'],
    [{ digits: '3' }, 'billing'],
    [{ digits: '4' }, 'nurse_message'],
    [{ digits: '9' }, 'switch_language'],
    [{ digits: '5' }, null],
    [{ digits: '#' }, null],
    [{ digits: '' }, null],
    [{}, null],
    [{ speech: 'I need a refill on my medication' }, 'prescriptions'],
    [{ speech: 'Billing, please.' }, 'billing'],
    [{ speech: 'una cita por favor' }, 'appointments'],
    [{ speech: 'Necesito mi receta' }, 'prescriptions'],
    [{ speech: 'Español' }, 'switch_language'],
    [{ speech: 'leave a message for the nurse' }, 'nurse_message'],
    [{ speech: 'two' }, 'prescriptions'],
    // Two options named at once: ask again rather than guess.
    [{ speech: 'billing or a refill' }, null],
    [{ speech: 'hello?' }, null],
    // A key press wins over what speech recognition heard.
    [{ digits: '3', speech: 'refill' }, 'billing'],
  ])('%j -> %s', (input, expected) => {
    expect(parseMenuInput(input)).toBe(expected);
  });
});

describe('parseReminderInput', () => {
  test.each([
    [{ digits: '1' }, 'confirm'],
    [{ digits: '2' }, 'cancel'],
    [{ digits: '3' }, 'staff'],
    [{ digits: '4' }, null],
    [{ speech: 'Yes' }, 'confirm'],
    [{ speech: 'sí' }, 'confirm'],
    [{ speech: 'no, cancel it' }, 'cancel'],
    [{ speech: 'can I talk to a person' }, 'staff'],
    [{ speech: 'yes no' }, null],
    [{ speech: 'maybe' }, null],
  ])('%j -> %s', (input, expected) => {
    expect(parseReminderInput(input)).toBe(expected);
  });
});

test.each([
  ['es', 'es'],
  ['es-MX', 'es'],
  ['en', 'en'],
  ['fr', 'en'],
  [null, 'en'],
])('language on file %p is spoken as %s', (language, expected) => {
  expect(voiceLanguageOf(language)).toBe(expected);
});

describe('voiceTriageHint', () => {
  test.each([
    [{ kind: 'menu_choice', option: 'prescriptions', digits: '2' }, 'refill'],
    [{ kind: 'menu_choice', option: 'billing', digits: '3' }, 'billing'],
    [{ kind: 'menu_choice', option: 'appointments', digits: '1' }, 'general'],
    [{ kind: 'call_answer', answer: 'staff' }, 'general'],
    [{ kind: 'missed_call' }, 'general'],
    [{ kind: 'voicemail', transcribed: false }, 'clinical_question'],
  ])('%j is routed as %s without reading text', (meta, intent) => {
    expect(voiceTriageHint(meta)?.intent).toBe(intent);
  });

  test.each([
    [{ kind: 'voicemail', transcribed: true }],
    [{ kind: 'call_answer', answer: 'confirm' }],
    [{ kind: 'call_answer', answer: 'cancel' }],
    [{}],
    [{ kind: 'menu_choice', option: 'nurse_message' }],
  ])('%j is classified like any text', (meta) => {
    expect(voiceTriageHint(meta)).toBeNull();
  });
});
