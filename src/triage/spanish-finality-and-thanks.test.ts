import { createTriage } from './index';

// "It all ends tonight" said in Spanish, a letter written and everything left in order for the children,
// and thanks for years of kindness beside "I won't be needing them": a crisis, never an opt-out or a
// cancellation. Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a finality statement beside a request to stop the texts or cancel everything is a crisis', () => {
  test.each([
    'no quiero mas textos. esta noche se termina todo para mi',
    // Was urgent (opt-out set aside) in opt-out-safety.test.ts: "all over for me" beside stopping the texts
    // is now a finality statement, as its English forms became this session.
    'ya no me escriban, todo se acabó para mí',
    'dejen de mandarme mensajes, ya deje todo listo para mis hijos, hoy se acaba todo',
    'please cancel all my future appointments, I wont be needing them. thank you for always being so kind to me',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    // Never an opt-out written to the ledger: the message carries risk content.
    expect(result.clinicalContent).toBe(true);
  });

  test.each([
    ['no me manden mas mensajes por favor, ya tengo otro doctor', 'opt_out'],
    ['cancel my appointment thursday please, thank you for always being so helpful', 'cancel'],
    ['gracias por siempre ser tan amables, nos vemos en la cita del martes', 'confirm'],
  ])('an ordinary request with thanks stays what it is: %s', (text, intent) => {
    expect(classify(text).intent).toBe(intent);
  });
});
