import { createTriage } from './index';

const triage = createTriage({});

describe('one message per intent', () => {
  test.each([
    ['Yes I will be there on Tuesday', 'confirm', 'front-desk'],
    ['please cancel my appointment tomorrow', 'cancel', 'front-desk'],
    ['can I move my appointment to next week', 'reschedule', 'front-desk'],
    ['I need a refill of my lisinopril', 'refill', 'refills'],
    ['why was I charged twice on my bill', 'billing', 'billing'],
    ['is it normal to feel dizzy on the new medicine', 'clinical_question', 'nurse-triage'],
    ['please stop texting me', 'opt_out', 'front-desk'],
    ['please start sending me text reminders again', 'opt_in', 'front-desk'],
    ['who is this', 'help', 'front-desk'],
    ['thank you so much', 'general', 'front-desk'],
    ['I think I am having a heart attack', 'emergency', 'nurse-triage'],
    ['necesito cancelar mi cita', 'cancel', 'front-desk'],
    ['se me acabaron las pastillas', 'refill', 'refills'],
  ])('%s -> %s', (text, intent, queue) => {
    const result = triage.classifyLocal(text);
    expect(result).toMatchObject({ intent, queue });
    expect(result.reasons.length).toBeGreaterThan(0);
    expect(result.version).toMatch(/^triage-[0-9a-f]{12}$/);
  });

  test('urgency is raised by what the message says, never lowered', () => {
    expect(triage.classifyLocal('I ran out of my insulin').urgency).toBe('soon');
    expect(triage.classifyLocal('my cough is getting much worse').urgency).toBe('urgent');
  });

  test('language is detected', () => {
    expect(triage.classifyLocal('I need to cancel my appointment').language).toBe('en');
    expect(triage.classifyLocal('necesito cancelar mi cita').language).toBe('es');
  });

  test('every intent has a queue and the emergency intent goes to nurses', () => {
    const names = triage.intents.map((i) => i.name).sort();
    expect(names).toEqual([
      'billing',
      'cancel',
      'clinical_question',
      'confirm',
      'emergency',
      'general',
      'help',
      'opt_in',
      'opt_out',
      'refill',
      'reschedule',
    ]);
    expect(triage.intents.find((i) => i.name === 'emergency')?.queue).toBe('nurse-triage');
  });
});

describe('bad input never throws', () => {
  const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('latin1');
  test.each([
    ['empty', ''],
    ['whitespace', '   \n\t '],
    ['20,000 characters', 'a'.repeat(20_000)],
    ['binary junk', binary],
    ['only emoji', '😀😂🎉🎉'],
    ['html/script', '<script>alert("x")</script><b></b>'],
    ['a language with no examples', 'je voudrais annuler mon rendez-vous demain matin'],
    ['cjk', '我想取消我的预约'],
    ['null byte', '\u0000\u0001\u0002'],
  ])('%s -> general / front-desk', (_name, text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('general');
    expect(result.queue).toBe('front-desk');
    expect(result.engine === 'fallback' || result.engine === 'local').toBe(true);
  });

  test.each(['', '😀😂🎉🎉', 'je voudrais annuler mon rendez-vous demain matin', '我想取消我的预约'])(
    '%s -> fallback with low confidence',
    (text) => {
      expect(triage.classifyLocal(text)).toMatchObject({ engine: 'fallback', intent: 'general' });
      expect(triage.classifyLocal(text).confidence).toBeLessThan(0.5);
    },
  );

  test('a non-string from an untyped caller is treated as empty', () => {
    const result = triage.classifyLocal(undefined as unknown as string);
    expect(result).toMatchObject({ intent: 'general', engine: 'fallback' });
  });

  test('script tags do not hide real words', () => {
    expect(triage.classifyLocal('<b>please cancel my appointment</b>').intent).toBe('cancel');
  });

  test('long text is classified from its beginning', () => {
    const result = triage.classifyLocal(`I need a refill of my metformin. ${'blah '.repeat(5000)}`);
    expect(result.intent).toBe('refill');
  });

  test('classify without an LLM equals classifyLocal', async () => {
    expect(await triage.classify('hola buenos dias')).toEqual(triage.classifyLocal('hola buenos dias'));
  });
});
