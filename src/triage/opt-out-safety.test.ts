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
    'please stop texting, nobody needs to worry about me anymore',
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

  // Risk content broader than the red flags: self-harm wording no concept completes, and distress words
  // (intents/context/distress-terms.yaml). Each was written to the consent ledger before.
  test.each([
    'no more messages, nothing matters anymore',
    'stop texting me, I feel like giving up',
    "unsubscribe me, I'm so tired of everything",
    "unsubscribe me, I'm so overwhelmed I can't cope",
    'take me off your list, my husband hits me',
    'no me manden más mensajes, ya nada importa',
    'ya no me manden mensajes, estoy desesperada',
    'darme de baja por favor, no aguanto más',
    "take me off the list, it's over for me",
  ])('%s -> a nurse reads it within the hour; the opt-out is set aside for clinical content', (text) => {
    const result = triage.classifyLocal(text);
    expect(result).toMatchObject({
      intent: 'clinical_question',
      queue: 'nurse-triage',
      urgency: 'urgent',
      clinicalContent: true,
    });
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside: clinical content/);
  });

  // A word of a red-flag concept that completes no concept alone, and no clinical word: still content.
  test.each(['unsubscribe me, the bleach', 'stop texting me, i am hemorrhaging'])(
    '%s -> clinical: a concept term sets the opt-out aside',
    (text) => {
      const result = triage.classifyLocal(text);
      expect(result).toMatchObject({
        intent: 'clinical_question',
        queue: 'nurse-triage',
        clinicalContent: true,
      });
      expect(result.reasons.join(' ')).toMatch(/opt-out set aside: clinical content/);
    },
  );

  // Read as clinical by the classifier; the patient also asked in an opt-out phrase, and staff see it.
  test("stop texting me, I took all my pills and I'm so dizzy -> not opt_out, and the reasons say why", () => {
    const result = triage.classifyLocal("stop texting me, I took all my pills and I'm so dizzy");
    expect(result.intent).not.toBe('opt_out');
    expect(result.queue).toBe('nurse-triage');
    expect(result.clinicalContent).toBe(true);
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
  });

  // Words a plain opt-out says of the texts themselves are not distress; groups a concept needs only
  // beside another ("want", "my car", "thanks for everything") are `neutral` in the concept files.
  test.each([
    "I'm afraid I have to unsubscribe",
    "please stop texting me, I'm done with these reminders",
    'take me off your list, I want out',
    'stop texting me, I sold my car and moved, thanks for everything',
    'dejen de mandarme mensajes para que no me molesten',
    'ya no puedo recibir mensajes en este número, quítenme de la lista',
    "stop texting me, I'm not going to be here next month, moving to texas",
  ])('plain opt-out with everyday words still stands: %s', (text) => {
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
