import { createTriage } from './index';

// Self-harm said sideways, the ways a patient writes it to a clinic: a lethal amount asked ("how many
// would be fatal", "too many, I have a full bottle"), extra pills with a plan inside a refill, one's own
// death as an errand with a date, settling everything before going with the trip denied, a reminder
// nobody will need, thanks for everything with a title between, the last reason to stay gone, food
// refused and pills hidden by someone ready to go, a tribute in the past tense beside a goodbye, a
// vehicle aimed at a road divider. English and Spanish; each sentence was read as no emergency by the
// concept data before this change. Then the everyday messages that share their words. Sentences written
// for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

const veiled: Array<[family: string, text: string]> = [
  ['lethal amount', 'how many of my sertraline is fatal'],
  ['lethal amount', 'cuantas pastillas de clonazepam serian mortales'],
  ['lethal amount', 'how many oxycodone is deadly for someone my size'],
  ['too many, supply at hand', 'how many of my seroquel is too many? got a brand new bottle right here'],
  [
    'too many, supply at hand',
    'cuantas de mis pastillas de clonazepam son demasiadas, tengo el frasco lleno',
  ],
  [
    'extra pills with a plan',
    'please refill my ambien and a couple extra if you can, i know what to do with them',
  ],
  ['extra pills with a plan', 'mandenme unas cuantas extra de mis pastillas, tengo un plan para ellas'],
  ['own death with a date', 'after im gone who feeds my cat? i picked a date already'],
  [
    'own death with a date',
    'who do i call to donate my body after my death, i have it all figured out for the weekend',
  ],
  ['own death with a date', 'cuando me muera pueden donar mis organos? ya tengo fecha'],
  ['own death by own hand', 'will they still take my organs if i go through with it'],
  ['settling before going', 'want my account paid off before i go. its not a trip'],
  ['settling before going', 'quiero dejar todo pagado antes de irme, no es un viaje'],
  [
    'no reminder needed',
    'stop the reminders. whats the point, no one will have to remind me of anything after this week',
  ],
  ['no reminder needed', 'ya no me manden nada, no tiene sentido, nadie va a tener que recordarme nada'],
  [
    'thanks with a title, things given away',
    'thank you nurse amy for everything. i gave my dog to my neighbor',
  ],
  ['thanks with a title, things given away', 'gracias doctor por todo. ya le regale mi perro a mi hermana'],
  ['thanks for everything, decision made', 'thank you for everything you did for me. my mind is made up'],
  ['last reason gone', 'the only thing that held me back was my mom, and i found a home for her parrot'],
  [
    'food refused, pills hidden',
    'my dad refuses food on purpose and hid his heart medicine, keeps saying hes ready to go',
  ],
  [
    'food refused, ready to go',
    'mi abuelo dejo de comer a proposito y dice que ya esta listo para irse con mi abuela',
  ],
  ['tribute and goodbye', 'the nurses were always so kind to me. goodbye everyone'],
  ['tribute and goodbye', 'usted siempre fue muy amable conmigo doctora. adios'],
  ['vehicle at a divider', 'i keep picturing steering my car into the concrete divider tonight'],
  ['vehicle at a divider', 'pienso en estrellar el carro contra el camellon de regreso a casa'],
];

describe('self-harm said sideways is an emergency, whatever admin request it sits in', () => {
  test.each(veiled)('%s: %s', (_family, text) => {
    expect(classify(text)).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
    });
  });
});

describe('everyday messages with the same words stay off the emergency line', () => {
  test.each([
    // a dose with its purpose, or for a pet
    'how many benadryl is too many for my 40 lb son',
    'how much tylenol is lethal for a dog? he chewed the bottle but the vet says hes fine',
    'how many advil is too many in a day for back pain',
    // extra supplies with a reason
    'can i get a few extra inhalers, i have a plan for them at school and work',
    'can i get some extra test strips, we are traveling and i have a plan for them',
    // records, a trip, a settled bill
    'what happens to my records if i switch to another clinic',
    'my grandmother passed away last year, my mom has it all figured out now',
    'want everything settled before i go on my trip to peru next month',
    'not traveling this year, can you settle my bill with insurance',
    // thanks at the end of a visit
    'thank you dr kim for everything, see you at my next visit',
    'gracias doctora por todo, nos vemos en la cita del martes',
    // what stops an errand
    'the only thing stopping me from booking is the copay',
    'lo unico que me detiene de ir es el transporte',
    // not eating for a reason, pills hidden from children, ready to go home
    'my toddler is not eating on purpose, picky eater phase',
    'i am not eating on purpose before my colonoscopy tomorrow',
    'i hid my pills from the grandkids in a safe place',
    'my mom is ready to go home from the hospital',
    // a tribute with a reason, or in the present
    'dr patel was always kind to me, i moved to ohio so goodbye and thanks',
    'dr patel is always kind to me, tell her thanks for the flu shot',
    'the nurses were always so kind to my mother when she was in hospice',
    // a divider hit by accident
    'i almost drove into the divider this morning because of the ice, is my neck ok',
    // no reminders wanted, for a reason
    'i dont need reminders, i keep my own calendar',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a self-harm signal inside an admin request is never that request', () => {
  test.each([
    ['opt_out', 'unsubscribe me. theres no point, no one will need to remind me of anything'],
    ['refill', 'refill my xanax please, plus a few extra, i have plans for them'],
    ['billing', 'can i pay off my balance, i want everything settled before i go. not moving, just going'],
  ])('not %s: %s', (admin, text) => {
    const result = classify(text);
    expect(result.intent).not.toBe(admin);
    expect(result.intent).toBe('emergency');
  });
});
