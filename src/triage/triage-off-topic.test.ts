import { createTriage } from './index';

// Phrasings written for these tests, not taken from the eval files: they check the rules that route a
// message with nothing the clinic handles to the front desk, and the text-line intents that stay put.
const triage = createTriage({});

describe('a message about nothing the clinic handles goes to the front desk, flagged as unsure', () => {
  test.each([
    // Function words alone once carried these to a nurse ("how do i", "my", "se me").
    ['how do i get the wax out of my carpet'],
    ['mi primo me presta su carro el lunes'],
    ['trae una silla para la fiesta'],
    // The classifier alone calls these clinical (p > 0.5) on "se me", "que le hago", "i dont know".
    ['se me esta secando el pasto, que le hago'],
    ['my printer keeps jamming and i dont know what to do'],
    ['mi carro hace un ruido raro cuando freno'],
    // A guess at a text-line intent with no word about texts, messages or the line ("por que" reads as help).
    ['por que la luna es redonda'],
    ['alguien tiene cargador que me preste'],
    ['is this still marcos phone'],
    ['remind me to call grandma'],
  ])('%s', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('general');
    expect(result.queue).toBe('front-desk');
    expect(result.confidence).toBeLessThan(0.6);
    expect(result.clinicalContent).toBe(false);
  });

  test('everyday words whose stems match a clinical word are not clinical content', () => {
    // "una" is accent-free "uña", "lunes" stems like "lunar" in Spanish, "hear" like "hearing".
    for (const text of [
      'compre una pizza',
      'nos vemos el lunes',
      'can you hear me now',
      'can you cover for me',
    ]) {
      expect(triage.classifyLocal(text).clinicalContent).toBe(false);
    }
  });

  test('a clinical guess with no clinical word is off-topic, with one it stays with the nurses', () => {
    // "and i dont know what to do" reads as clinical to the classifier; its content words do not.
    const offTopic = triage.classifyLocal('my printer keeps jamming and i dont know what to do');
    expect(offTopic).toMatchObject({ intent: 'general', engine: 'fallback' });
    expect(offTopic.reasons.join(' ')).toMatch(/no clinic topic recognized \(best guess clinical_question/);
    for (const text of [
      'is it ok to take benadryl with my statin',
      'my hearing is worse in my left ear lately',
      'mi abuelo tiene epoc, puede subir a un avion',
    ]) {
      expect(triage.classifyLocal(text)).toMatchObject({
        intent: 'clinical_question',
        queue: 'nurse-triage',
      });
    }
  });
});

describe('text-line intents in free text', () => {
  test.each([
    ['does a person read the texts i send here', 'help'],
    ['can i send you a picture of the form here', 'help'],
    ['i hit stop by mistake, i want my reminders back', 'opt_in'],
    ['re subscribe this number please', 'opt_in'],
    ['quitenme de sus listas de mensajes', 'opt_out'],
    ['no quiero recibir mas recordatorios', 'opt_out'],
  ])('%s -> %s', (text, intent) => {
    expect(triage.classifyLocal(text).intent).toBe(intent);
  });

  test('not wanting the texts is never read as wanting them', () => {
    for (const text of ['i dont want the texts anymore', 'i do not want these reminders']) {
      expect(triage.classifyLocal(text).intent).toBe('opt_out');
    }
  });

  test('leaving a wait list or the schedule is never a confident opt-out (those are written to the consent ledger)', () => {
    for (const text of [
      'please remove me from the waitlist',
      'take me off the wait list',
      'take me off the schedule for friday',
    ]) {
      const result = triage.classifyLocal(text);
      expect(result.intent === 'opt_out' && result.confidence >= 0.85).toBe(false);
    }
    expect(triage.classifyLocal('take me off your list')).toMatchObject({
      intent: 'opt_out',
      engine: 'keyword',
    });
  });

  test('risk in a message that also asks to stop the texts wins over the opt-out', () => {
    for (const text of [
      'stop texting me, everyone would be better off without me',
      'ya no quiero mensajes, ya no quiero vivir',
    ]) {
      expect(triage.classifyLocal(text)).toMatchObject({ intent: 'emergency', clinicalContent: true });
    }
  });
});

describe('health words outrank a weak front-desk guess', () => {
  test.each([
    // The classifier alone guesses reschedule (p < 0.5) on "can we ... at her visit".
    ['my daughter wants birth control pills, can we talk about that at her visit'],
    ['should i still come in if i have a cold'],
    // Loneliness with a denial of self-harm is for a nurse, never the front desk.
    ['me siento muy sola ultimamente pero no me haria dano'],
  ])('%s', (text) => {
    expect(triage.classifyLocal(text)).toMatchObject({
      intent: 'clinical_question',
      queue: 'nurse-triage',
      clinicalContent: true,
    });
  });

  test('an inhaler or quitting smoking is not drug use; smoking something before a collapse still is', () => {
    for (const text of ['necesito otro inhalador para mi hija', 'how do i quit smoking']) {
      const result = triage.classifyLocal(text);
      expect(result.reasons.join(' ')).not.toMatch(/drug use/);
      expect(result.urgency).not.toBe('urgent');
    }
    expect(triage.classifyLocal('my husband smoked something and now he wont wake up').intent).toBe(
      'emergency',
    );
  });
});
