import { createTriage } from './index';

// What a parent tells as a scare, a scratch or a bump that has settled is no emergency: a cut made with
// paper is no part cut off; "I was sure it was a heart attack" (and "creí que era un infarto", with
// its article) is a belief that turned out wrong; "casi se infarta" is a fright; a child who "ha estado
// normal" since a bump is over it; soft contractions ("contracciones suavecitas") are mild; "my 26 week
// appointment" is no sugar reading of 26. Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('looks like an emergency, is not one', () => {
  test.each([
    // A cut made with paper or card.
    'mi hija se corto el dedo con un papel y no para de llorar, ¿le pongo curita?',
    'el niño se corto el dedo con una cartulina de la escuela, ¿le pongo alcohol?',
    // A belief told as wrong, with its article.
    'crei que era un infarto en el avion, resulto ser ansiedad, ¿me recomiendan un psicologo?',
    'pense que era una embolia cuando se me durmio la cara, el neurologo dijo migraña, ¿me dan otra cita?',
    // A fright.
    'casi me infarto con el susto que me dio el perro',
    'mi suegra casi se infarta cuando le conte que nos mudamos',
    // A bump the child has been normal since.
    'se golpeo la cabeza con la puerta el martes, ha estado normal pero tiene el chichon morado, ¿es normal?',
    // Soft contractions.
    'tengo 31 semanas y siento contracciones suaves cuando camino mucho, ¿es normal?',
    'estoy de 33 semanas y siento contracciones suavecitas en la tarde, ¿debo preocuparme?',
    // A week of pregnancy beside a glucose test.
    'mi cita de las 24 semanas de la glucosa, ¿la puedo cambiar?',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

// Guards, not new behaviour (they pass on the old code too): the same words told as happening now.
describe('the same words, an emergency', () => {
  test.each([
    'mi hijo se corto el dedo con el cuchillo de la cocina, se le ve el hueso',
    'my toddler chopped off the tip of his finger in the car door, there is blood everywhere',
    'we were in a wreck on the highway and my daughter is not waking up',
    'creo que es un infarto, me duele el pecho y el brazo izquierdo',
    'mi papa se esta infartando, le duele el pecho y esta sudando',
    'se golpeo la cabeza hace una hora, ha estado vomitando y muy dormido',
    'tengo 30 semanas y tengo contracciones fuertes cada 5 minutos',
    'mi glucosa esta en 35 y estoy temblando y sudando',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
