import { createTriage } from './index';

// Self-harm said the way worn-out parents and worried families say it: someone else raising the child
// with oneself gone; a place to die looked at beside another warning sign; "if I just" drove into the
// water; sleeping and never having to wake up again; a goodbye post while a phone shows where the
// person is; thoughts that have become a plan; hurting oneself so that something stops. And the
// everyday messages that share their words (a pet that "committed suicide", a fan over a game lost).
// Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('self-harm said through oneself gone, a place, waking, a farewell post or a plan', () => {
  test.each([
    // others better off with oneself gone
    'my son would be better off with his grandparents raising him and me gone for good',
    'honestly the kids would be happier with their father and me out of the picture',
    'mis hijos estarian mejor con su abuela y yo muerta, ya no aguanto',
    'mi bebe estaria mejor con otra mama y yo lejos de todo, lo pienso cada noche',
    // a place to die looked at, beside another sign
    'wrote a letter to my sister last night. I keep looking at the river on the drive in',
    'gracias por todo doctora. me quedo viendo el rio cada noche desde el carro',
    // "if I just" drove into the water or a wall
    'things would be simpler for my family if I just drove into the river on the way home',
    'todo seria mas facil si tan solo me estrellara contra un muro manejando sola esta noche',
    // sleeping and never having to wake up again
    'send the trazodone refill early so I can sleep and not have to wake up again',
    'necesito mis pastillas hoy para dormir y no tener que volver a despertar',
    // a goodbye post while a phone shows where they are
    "posted on snapchat 'nice knowing you all' and the app shows he is at the railroad tracks right now",
    'mi hija puso en facebook fue un gusto conocerlos y su ubicacion dice que esta en el puente',
    // thoughts that have become a plan; hurting oneself so that something stops
    'I keep thinking about the rope in the garage, its turning into a plan',
    'thank you for everything doctor. the thoughts are not just thoughts anymore',
    'gracias por todo doctora. ya no son solo pensamientos, se esta volviendo un plan',
    'sigo pensando en la soga del garaje, ya es un plan',
    'I keep imagining hurting myself so the screaming stops',
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
    'my toddler would be better off with a nap and me gone for an hour to the store',
    'the kids are happier with their dad when I work late, is that normal?',
    'mi bebe esta mejor con su abuela los martes, yo trabajo',
    'we drove past the river on our way home, the baby slept the whole time. when is her next shot?',
    'my daughter loves looking at the train tracks, she wants to see trains. is she old enough for the museum?',
    'el niño se queda viendo el rio, le encanta. ¿a que edad puede nadar?',
    'it would be easier if I just drove to the clinic instead of waiting for the bus',
    'seria mas facil si tan solo manejara hasta la clinica el martes',
    'can I get the whole bottle of melatonin so I can sleep through the night without waking up?',
    'quiero dormir toda la noche y no tener que despertar a las 3 para el biberon',
    'my son posted nice knowing you all before his semester abroad, he is at the airport now',
    'su ubicacion dice que esta en el parque con sus amigos',
    'I had thoughts about the vacation, it feels like a plan now, can I travel at 30 weeks?',
    'ya es un plan, vamos a la playa en agosto, ¿puede el bebe ir?',
    // a pet that "killed itself" in a child's words
    "my daughter's hamster 'committed suicide' escaping the cage, how do I tell her",
    'mi hijo dice que su pez se suicido saltando de la pecera, ¿como le explico?',
    // a fan's wish to die over a game lost
    'my brother says he wants to die because his team lost the final again',
    'mi suegro se quiere morir porque perdio el clasico',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
