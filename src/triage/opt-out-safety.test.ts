import { createTriage } from './index';

// A free-text opt-out is written to the consent ledger only when the message carries no clinical or
// risk content (triage-job.ts): the intent itself must not be opt_out when it does.
const triage = createTriage({});

describe('safety over a free-text opt-out', () => {
  test.each([
    "stop texting me, I can't breathe",
    'please stop these messages my chest hurts',
    'unsubscribe me, nobody would miss me anyway',
    'no me manden más mensajes, no puedo respirar',
    'ya no me envíen mensajes, me duele mucho el pecho',
  ])('%s -> emergency, the opt-out set aside', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('emergency');
    expect(result.clinicalContent).toBe(true);
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
  });

  test.each([
    "unsubscribe me, doesn't matter anymore I won't be around",
    'darme de baja, pronto no estaré aquí',
    'take me off this list, I wont be here much longer',
  ])('%s -> a nurse reads it within the hour, never opt_out', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).not.toBe('opt_out');
    expect(result.queue).toBe('nurse-triage');
    expect(['urgent', 'emergency']).toContain(result.urgency);
    expect(result.clinicalContent).toBe(true);
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
  });

  test.each([
    'take me off this list, my knee is killing me',
    'stop texting me, I already took my insulin',
    "stop texting me, I don't have chest pain",
    'stop texting me, I had a stroke years ago and I am fine',
    "I'm not suicidal, stop texting me",
    'no me manden más mensajes, ya me tomé la pastilla',
  ])('%s -> clinical, the opt-out set aside', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('clinical_question');
    expect(result.clinicalContent).toBe(true);
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
  });

  test.each([
    'stop texting me please',
    'take me off this list',
    'no más mensajes',
    'unsubscribe me',
    'please remove my number from your list, thanks for everything, I prefer email',
    'ya no me manden mensajes por favor',
  ])('plain opt-out still stands: %s', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('opt_out');
    expect(result.clinicalContent).toBe(false);
  });

  // An opt-out that does not say what to stop may be distress; the classifier alone called these opt-outs.
  test.each(['make it stop', 'stop it', 'ya basta, no más'])(
    '%s -> the front desk reads it and confirms; nothing is recorded',
    (text) => {
      const result = triage.classifyLocal(text);
      expect(result.intent).toBe('general');
      expect(result.reasons.join(' ')).toMatch(/opt-out set aside: .*does not say what to stop/);
    },
  );

  test.each(['please quit sending me these', 'ya no quiero que me escriban'])(
    'an opt-out that names the texts without a stock phrase still stands: %s',
    (text) => {
      expect(triage.classifyLocal(text).intent).toBe('opt_out');
    },
  );
});
