import { createTriage } from './index';

// Sentences written for these tests (neighbours of the eval files' confusions, never their lines): the
// off-topic class of the classifier, a clinical question carried by content words, the Spanish
// recipe that is no prescription, and the red-flag path that wins over every front-desk intent.
const triage = createTriage({});

describe('messages unrelated to the clinic', () => {
  test.each([
    // An everyday word that is also a clinical word, in chat about something else.
    ['my old laptop picked up a nasty virus again'],
    ['our goalie was bleeding goals all game lol'],
    ['mi compu agarro un virus otra vez'],
  ])('%s -> general, flagged as unsure', (text) => {
    const result = triage.classifyLocal(text);
    expect(result).toMatchObject({ intent: 'general', queue: 'front-desk', engine: 'fallback' });
    expect(result.confidence).toBeLessThan(0.6);
    expect(result.reasons[0]).toMatch(/read as unrelated to the clinic/);
  });

  test.each([["i'm drowning in laundry this week"], ['casi me da un infarto con el examen de mate']])(
    '%s: a red flag dismissed as a figure of speech is no health matter to route',
    (text) => {
      const result = triage.classifyLocal(text);
      expect(result).toMatchObject({ intent: 'general', queue: 'front-desk' });
      expect(result.confidence).toBeLessThan(0.6);
    },
  );

  test('a figure of speech beside a real symptom still goes to a nurse', () => {
    const result = triage.classifyLocal('that price gave me a heart attack lol, also my ankle is swollen');
    expect(result).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
  });

  test('a recipe is not a prescription ("receta" is both in Spanish)', () => {
    const result = triage.classifyLocal('pasame la receta para hacer pupusas');
    expect(result.intent).toBe('general');
    expect(triage.classifyLocal('pueden mandar la receta de mi mama a la farmacia').intent).toBe('refill');
  });
});

describe('a clinical question with no word of the clinical lexicon', () => {
  test.each([
    ['how many hours should a 10 year old sleep'],
    ['is it normal that my 15 month old isnt walking yet'],
    ['es normal que mi niño de 4 anos todavia use pañal en la noche'],
  ])('%s -> a nurse reads it', (text) => {
    expect(triage.classifyLocal(text)).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
  });

  test.each([
    // The classifier reads these as off-topic on "the", "of", "is the"; their content words are clinical.
    ['does dehydration raise the odds of kidney stones'],
    ['how long is the recovery after a hernia repair'],
    // Most words unknown to the examples, but words of the clinical lexicon: no unsupported language.
    ['psoriasis flareups, biologics worth considering?'],
  ])('%s -> a nurse reads it, whatever the function words say', (text) => {
    expect(triage.classifyLocal(text)).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
  });

  test.each([
    ['should we keep narcan in the car since my brother uses'],
    ['my cousin passed from an aneurysm, should i get checked'],
  ])('%s -> a word of a red-flag concept upholds a clinical guess', (text) => {
    expect(triage.classifyLocal(text)).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
  });

  // A guard on the rule above (it passed before it too): the content words, not the function words, decide.
  test('function words alone do not make a message clinical', () => {
    const result = triage.classifyLocal('mi carro hace un ruido raro cuando freno');
    expect(result).toMatchObject({ intent: 'general', engine: 'fallback' });
    expect(result.reasons[0]).toMatch(/best guess clinical_question/);
  });
});

describe('front-desk keywords read in their own sense', () => {
  test('"cancelling" is a cancellation, even beside a clinical word', () => {
    expect(triage.classifyLocal("cancelling my daughter's checkup on the 12th").intent).toBe('cancel');
  });
});

describe('medicines by their generic names', () => {
  test.each([
    ['can i drink alcohol on tinidazole', 'clinical_question'],
    ['puedo tomar cerveza con la sitagliptina', 'clinical_question'],
    ['se me acabo el losartan', 'refill'],
  ])('%s -> %s', (text, intent) => {
    expect(triage.classifyLocal(text).intent).toBe(intent);
  });
});

describe('billing words in their other senses', () => {
  test.each([
    ['my renters insurance renewal came in the mail'],
    ['seguro que si, ahi nos vemos el lunes'],
    ['me di cuenta que se me quedaron los lentes en la clinica'],
    ['que tan seguro es el parche anticonceptivo'],
    ['bloquearon mi cuenta de facebook'],
    ['take charge of your health, join our 5k'],
  ])('%s is not billing', (text) => {
    expect(triage.classifyLocal(text).intent).not.toBe('billing');
  });

  test.each([['mi seguro no me cubrio el ultrasonido'], ['whats my balance after the insurance paid']])(
    '%s is billing',
    (text) => {
      expect(triage.classifyLocal(text).intent).toBe('billing');
    },
  );
});

describe('short admin requests in English and Spanish', () => {
  test.each([
    ['resubscribe', 'opt_in'],
    ['put my number back on the text list', 'opt_in'],
    ['quit sending me the reminders', 'opt_out'],
    ['quiero dejar de recibir los avisos', 'opt_out'],
    ['me la pasan para la otra semana', 'reschedule'],
    ['la cita de mi hija la podriamos pasar para el viernes', 'reschedule'],
    ['ya me cambie de seguro, les mando la tarjeta', 'billing'],
    ['can you push my 3pm to thursday', 'reschedule'],
    ['is this number just for reminders', 'help'],
    ['este numero es nada mas para las citas?', 'help'],
    // A guess that rests on no word of its own ("can i still", "should i") yields to the keyword ("rebook").
    ['stuck at work, can i still make it or should i rebook', 'reschedule'],
  ])('%s -> %s', (text, intent) => {
    expect(triage.classifyLocal(text).intent).toBe(intent);
  });
});

describe('the red-flag path wins over every other intent', () => {
  test.each([
    ["cancel my appointment, my dad has crushing chest pain and can't breathe"],
    ["stop texting me, my wife collapsed and isn't breathing"],
    ['i need my refill but right now my face is drooping and my arm is numb'],
    ['yes confirm, but my son swallowed a button battery an hour ago'],
    ['cuanto debo? y mi esposo no despierta y esta morado'],
  ])('%s -> emergency', (text) => {
    expect(triage.classifyLocal(text)).toMatchObject({ intent: 'emergency', engine: 'red-flag' });
  });
});
