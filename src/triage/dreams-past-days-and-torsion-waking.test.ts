import { createTriage } from './index';

// A dream of a danger is no danger ("I dreamed he stopped breathing", "soñé que se ahogaba"); a named
// day gone by ("last Saturday", "el domingo pasado") and earlier pregnancies ("in all her pregnancies",
// "en sus embarazos") date an event as history; a boy who wakes up crying or screaming with pain down
// there is the sudden onset of a torsion. Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a dream of a danger', () => {
  test.each([
    'I dreamed my daughter stopped breathing, checked on her twice and she sleeps fine. Anyone else get these?',
    'soñé que mi bebé dejó de respirar y me levanté llorando, él está durmiendo tranquilo, ¿es ansiedad?',
    'tuve una pesadilla en que mi hija convulsionaba, ¿eso es normal despues del parto?',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('an English "son" is no Spanish dream ("soñé")', () => {
  test.each([
    'son says his left ball hurts really bad since football and he keeps vomiting',
    'son swallowed several little magnets from a puzzle',
    'son says his testicle started hurting so bad and now hes throwing up',
  ])('%s -> an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('a named day gone by', () => {
  test.each([
    'my son passed out at the pool last saturday, it was really hot, he has been fine. do we need a checkup?',
    'my wife collapsed at a concert last friday after skipping lunch, what tests should she get?',
    'mi hija se desmayo en la escuela el viernes pasado porque no desayuno, ¿la llevo a revisar?',
    'mi esposo se desmayo en el gimnasio el domingo pasado, ¿qué estudios le hacen?',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('an illness in earlier pregnancies', () => {
  test.each([
    'My older sister had preeclampsia in both her pregnancies, am I at higher risk?',
    'I had eclampsia in all my pregnancies, do I need aspirin?',
    'mi mamá tuvo preeclampsia en todos sus embarazos, ¿yo también la puedo tener?',
    'yo tuve preeclampsia en mis otros embarazos, ¿debo tomar algo para prevenirla?',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a boy who wakes up crying with pain down there', () => {
  test.each([
    'my 13 year old woke up crying, says his testicle hurts a lot',
    'son woke up screaming at 3am, pain in his groin on the left side',
    'mi hijo de 10 años se despertó llorando, le duele mucho un testiculo',
    'el niño despertó llorando con dolor en la ingle y no quiere que lo toquen',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  // Crying is not waking up with it: a knock in sport, or a pain that is not the testicle.
  test.each([
    'my son was crying after soccer, a bruise on his shin and some groin pain from stretching, can he play saturday?',
    'mi hijo lloró porque le duele la ingle desde que entrenó ayer, ¿le pongo hielo?',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

// Guards, not new behaviour (they pass on the old code too): the same conditions told as happening now
// stay emergencies, and crying that is not waking up with the pain stays what it was.
describe('told now, still an emergency', () => {
  test.each([
    'my baby just stopped breathing and her lips are blue',
    'my wife collapsed just now and is not responding',
    'mi esposo se desmayo ahorita y no responde',
    'tengo 34 semanas y tengo preeclampsia, veo lucecitas y me duele mucho la cabeza',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
