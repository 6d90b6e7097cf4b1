import { createTriage } from './index';

// Emergencies said in words the concepts did not read (a plan reported in the Spanish imperfect, not
// feeling safe with oneself, a hand that cannot hold beside slurring, an adult medicine given to a child,
// little urine with a fever, a blow to the head told with what struck it, a seatbelt bruise), and
// everyday messages that borrowed a red flag's words (a letter to the daycare, oversleeping, bleach on
// the jeans, negative ketones, when to call 911). Sentences written for these tests, not taken from any
// fixture or intent example.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('emergencies said in other words', () => {
  test.each([
    // Self-harm: a reported plan, danger to oneself, holding on no longer, the means beside a farewell.
    'mi hermana dijo que se iba a matar y ya no contesta',
    'i dont feel safe with myself right now, everything is too much',
    'no me siento segura conmigo misma esta noche',
    "I'm sorry, I can't hold on any longer",
    'parked by the river with all my pills, just wanted to say sorry to everyone',
    // Stroke: a hand that cannot hold beside slurring; words suddenly not understood.
    'grandpa cant hold his fork with his left hand and hes slurring',
    'mi papa de repente no entiende lo que le decimos',
    // Overdose: an adult product given to a child; too much paracetamol, then vomiting.
    'gave my toddler adult motrin by mistake, like two full cups',
    'le dimos jarabe para adultos a mi niño por error',
    'ive been taking way too much tylenol for my back and now im throwing up',
    // Sepsis: fever or an infection with little urine.
    'my dad has pneumonia, fever of 103 and he has barely peed since morning',
    'tengo infeccion de orina, fiebre y casi no he orinado en todo el dia',
    // A blow to the head told with what struck it, then vomiting.
    'my son got hit with a hockey stick in the head and now hes throwing up',
    'a mi niño le dieron con una piedra en la cabeza y esta vomitando',
    // Ribs sinking in with each breath, in the Spanish gerund.
    'se le ven las costillas hundiendose cada vez que respira',
    // What is kept under the sink; a cleaning product in the eye.
    'my daughter got into the stuff under the bathroom sink and swallowed some',
    'a mi hijo le entro producto de limpieza en el ojo',
    // Sudden testicle pain; a stopped bowel with a swollen belly and vomiting; fever after an operation.
    'sharp pain in my left nut came on outta nowhere, i can barely walk',
    'belly swollen, no bowel movement since tuesday, and he threw up twice',
    'gallbladder out 4 days ago, now fever 101 and belly swollen',
    // A swollen leg turning purple and cold.
    'my calf is swollen and turning purple and cold',
    // A fuel burn; a seatbelt bruise after a crash.
    'mi hijo se quemo la pierna con gasolina',
    'rear ended this morning, seatbelt bruise across my belly and it hurts',
    // A single day is no course of days for a baby without wet diapers.
    'my 5 month old hasnt had a wet diaper for a day',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.urgency).toBe('emergency');
  });

  test('holding on no longer beside a request to stop the texts is a crisis, never an opt-out', () => {
    const result = classify('stop texting me, i cant hang on anymore');
    expect(result.intent).toBe('emergency');
    expect(result.intent).not.toBe('opt_out');
  });
});

describe('everyday messages with a red flag word stay non-emergency', () => {
  test.each([
    // These were emergencies before.
    'I wrote a letter to my kids daycare about the pickup time',
    'my teen didnt wake up for work today, overslept again',
    'my 3 week old has dry skin on her face, temp normal 98.4',
    'splashed some bleach on my pants while cleaning, will it wash out',
    'sugar was 310 after dinner, ketones were negative, do I need extra insulin',
    'she had seizures before when she skipped her lamotrigine, can you send the refill',
    'my wife had a stroke last year, when should I call 911 instead of you',
    // Near the new wordings: none of them is an emergency.
    'my brother said he was going to jump into the lake for the polar plunge',
    'gave my son his tylenol, how long until it works',
    'had my knee surgery 3 weeks ago, little fever yesterday but fine today',
    'i cant hold on to the phone long, my hands get tired from arthritis',
    'just wanted to say sorry i missed my appointment tuesday',
    'como guardo el cloro para que los niños no lo alcancen',
    'how do i get a grass stain out of white jeans',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).not.toBe('emergency');
  });
});
