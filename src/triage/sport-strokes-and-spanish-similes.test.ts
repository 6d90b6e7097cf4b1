import { createTriage } from './index';

// A stroke in a sport (rowing, paddling, a swimming stroke) is no brain attack; "sintió como que algo se
// le desgarró" says how a tearing pain felt, as "como que se" does, and is no hypothesis. Sentences
// written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a stroke in a sport', () => {
  test.each([
    'my stroke rate on the erg dropped to 24, is that normal after covid',
    'coach says my paddle stroke is off, shoulder aches after kayak practice',
    'working on my butterfly stroke, my knee clicks when I kick',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    'my dad collapsed on the rowing machine, his face is drooping, I think its a stroke',
    'after paddling she could not lift her right arm and her speech is slurred, is it a stroke?',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('a Spanish simile of a tearing pain', () => {
  test.each([
    'mi mamá siente como que algo se le desgarra en el pecho, está pálida y sudando',
    'senti como que algo se me desgarro en la espalda, muy fuerte, y estoy sudando frio',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
