import { createTriage } from './index';
import { normalizeText } from './text-normalizer';

// Neighbours of the defects left by the general-mechanisms and intent-routing rounds (issue 12): other
// people, tenses and Spanish around each one, written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('an abbreviation that spells an ordinary word: "TIA" is a mini stroke, "tia" an aunt', () => {
  test('the normalizer keeps which words were written in capitals, only where the case was chosen', () => {
    expect(normalizeText('my dad had a TIA, no ER').capitals).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      true,
    ]);
    expect(normalizeText('MI TIA ESTA BIEN').capitals).toEqual([false, false, false, false]);
    expect(normalizeText('IM ok').capitals).toEqual([true, true, false]);
  });

  test.each([
    'mañana es el cumpleaños de mi tía, no puedo ir a la cita',
    'vamos a casa de la tia para la cena',
    'le compre un pastel a mi tia',
    'tia carmen pregunta si hay cita el lunes',
    'MI TIA QUIERE UNA CITA',
    'my tia is picking me up after the appointment',
  ])('%s is an aunt, not a stroke', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.reasons.join(' ')).not.toContain('stroke');
  });

  test.each([
    'i think my dad is having a TIA right now',
    'my mom is having a tia right now',
    'mi papa esta teniendo un TIA ahorita',
    'a mi mama le esta dando un ataque isquemico transitorio',
  ])('%s is a stroke now', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain('stroke');
  });

  test('a TIA told as past history is still read as one', () => {
    expect(classify('had a TIA 2 years ago, is it ok to take aspirin').reasons.join(' ')).toContain('stroke');
  });
});

describe('figures of speech: a scare that nearly gave someone a heart attack, choking the life out of a plan', () => {
  test.each([
    'that bill almost gave my husband a heart attack',
    'your text nearly gave my mom a stroke, call me',
    'the surprise party almost gave grandpa a heart attack',
    'el recibo de la luz casi le da un infarto a mi esposo',
    'these new regulations are choking the life out of small businesses',
    'the rent increase is choking the life out of our shop',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    'my husband is choking on food and cant breathe',
    'he is choking the life out of me',
    'he almost gave my mom a heart attack and now she has chest pain and is sweating',
    'i think my dad is having a heart attack almost gave up calling',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('a question about a dose for anyone ("for a child") is a question, not an overdose', () => {
  test.each([
    'how many mg of benadryl would be an overdose for a toddler?',
    'how much tylenol is an overdose for a kid?',
    'cuanto paracetamol es una sobredosis para un niño?',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    'what amount of advil is an overdose for my son?',
    'my son took a whole bottle of tylenol, how much is an overdose for a child?',
    'how much tylenol is an overdose for a child? he took 10 pills',
    'how many pills does it take to die?',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test('asking how many pills it takes to die stays self-harm', () => {
    expect(classify('how many pills it takes to die').reasons.join(' ')).toMatch(/suicid/);
  });
});

describe('care already given and over: seen and sent home', () => {
  test.each([
    'my daughter had a seizure this morning, we went to urgent care and they sent her home. is she ok to go to school tomorrow',
    'he fainted and hit his head at practice today, the doctor sent him home',
    'mi hijo tuvo una convulsion hoy en la escuela, ya lo dieron de alta',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    'had a seizure today, the ER sent him home but now hes seizing again',
    'the ER sent him home yesterday and now he is having a seizure',
  ])('%s is an emergency again', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('missed emergencies: a meal of wild mushrooms, pink froth, a button battery in the mouth', () => {
  test.each([
    ['mi esposo hizo una sopa con hongos del campo y ahora esta vomitando', 'mushroom'],
    ['we had mushroom risotto with mushrooms from the yard, now vomiting and cramping', 'mushroom'],
    ['my dad is coughing up pink frothy stuff and cant lie flat', 'pink froth'],
    ['mi mama esta tosiendo espuma rosada', 'pink froth'],
    ['mi niño tiene una pila de reloj en la boca', 'button battery'],
    ['mi hija se metio una pila de boton en la boca', 'button battery'],
    ['se trago una pilita', 'button battery'],
    ['my son has a magnet in his mouth', 'magnets'],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });

  test.each([
    'mi pila de ropa sucia esta en la boca del closet',
    'this battery tastes funny in my mouth',
    'her lips are pink and she is blowing bubbles',
    'had a cigarette with my tea and now im dizzy',
    'made a salad with mushrooms from the store, yummy',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
