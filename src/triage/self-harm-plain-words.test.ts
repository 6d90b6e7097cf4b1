import { createTriage } from './index';

// Self-harm said the way people type it on a phone, through mechanisms rather than listed sentences: a
// burden statement with a time or a decision; a goodbye to the care team beside a tribute or another
// farewell; how to make an unnamed "it" painless, asked for oneself; every pill of a kind at once; cuts
// on the arms or legs beside a refusal of rescue; a wish to be with God beside the means; finality
// inside an everyday request; a picture of one's wrists beside an apology. And the everyday messages
// that share their words. Sentences written for these tests, not taken from any fixture or example.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('self-harm said plainly, in phone typing', () => {
  test.each([
    // shorthand: w/o, wud, kiero
    'honestly my kids wud be better off w/o me',
    'ya no kiero vivir, estoy cansada',
    // a burden to everyone, with a time or a decision
    'let dr gomez know i wont be a nuisance to everyone much longer',
    'i will not be a bother to anybody soon. made up my mind',
    'no voy a ser una molestia para nadie, ya lo decidi',
    'pronto no sere un estorbo para nadie',
    // a goodbye to the care team, beside a tribute or another farewell
    'tell the staff bye from me, you were always so sweet to me',
    'say bye to all the nurses for me. take care of yourselves',
    // "always" in a tribute is no course of illness that makes the goodbye beside it chronic
    'goodbye doc you were always kind to me',
    'adios doctora usted siempre fue muy amable conmigo',
    'solo queria despedirme de todas las enfermeras, siempre fueron muy buenas conmigo',
    // how to make it painless, asked for oneself
    'how do you do it so it doesnt hurt? asking for myself',
    'hay manera de hacerlo sin dolor? pregunto por mi',
    // every pill of a kind at once
    'thinking about taking all my blood pressure pills at once tonight',
    'quiero tragarme todas las de la presion al mismo tiempo',
    // cuts on the arms or legs, refusing rescue
    'cut my thighs again and dont want anyone to save me',
    'se corto las piernas y dice que no llamen a nadie',
    // wanting to be with God, with the means at hand
    'grandpa keeps saying he wants to be with god now and he keeps antifreeze in his room',
    'mi papa dice que ya se quiere ir con dios y tiene raticida escondido',
    // finality inside an everyday request
    'please refill my metformin, not that it matters, soon i wont be around',
    'necesito mi cita de control aunque ya da igual, no voy a estar aqui para nadie',
    // a picture of wrists beside an apology or a goodbye
    'my sister sent me a photo of her wrists and a text saying please forgive me',
    'mi hija me mando una foto de sus muñecas y dice adios a todos',
  ])('%s -> emergency', (text) => {
    expect(classify(text)).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
    });
  });
});

describe('everyday messages with the same words', () => {
  test.each([
    // better off without a medicine, not without oneself
    'honestly im better off w/o the metformin, my stomach is fine now',
    // a burden that ends for a reason, or a thing that is no problem
    'i wont be a bother to anyone much longer, moving into assisted living next month',
    'no voy a ser una molestia para nadie, ya decidi irme a vivir con mi hija',
    'parking wont be a problem for anybody, i decided to take the bus',
    // a goodbye because one moves away, or until the next visit
    'say bye to all the nurses for me, we are moving to denver, you were always so nice to me',
    'bye to the staff, see you at my next appointment, take care of yourselves',
    'adios a todas las enfermeras, me dieron de alta hoy, siempre fueron muy buenas conmigo',
    // a procedure asked to be painless
    'is there a way to make it painless? asking for me, my iud insertion is friday',
    'hay forma de que no duela la inyeccion? es para mi',
    'is the colonoscopy painless? asking for myself',
    // all pills at once as a dose schedule, or all the children at once
    'going to take all my morning pills at once from now on, is that ok?',
    'im going to take all three kids at once to their checkups',
    // cuts by accident, or no rescue needed for a question
    'cut my legs shaving, dont call anyone its minor, just a question about bandaids',
    'dont call 911, i just have a question about my cough',
    // a relative who died, said to be with God
    'my grandmother went to be with god last spring, can i get a copy of her records',
    'mi abuelita ya se fue con dios, necesito cancelar sus citas',
    'we keep rat poison in the garage, is that ok with a new puppy',
    // a picture of a wrist for a rash or a sprain
    'here is a photo of my wrist, its swollen since the fall, thanks for everything',
    'te mando una foto de sus muñecas, tiene ronchas desde ayer',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
