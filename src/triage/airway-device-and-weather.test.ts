import { createTriage } from './index';

// A tracheostomy or breathing tube out or blocked is a blocked airway; "can't breathe" said of the
// weather is how people speak of the air, not a patient who cannot breathe. Sentences written for these
// tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a tracheostomy tube out or blocked is an emergency', () => {
  test.each([
    'the trach tube came out and I cant get it back in',
    'my daughters trach fell out while she was sleeping',
    'his tracheostomy is plugged and the suction wont clear it',
    'se le salio la traqueo a mi hijo y no puedo meterla',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.findings.join(' ')).toContain('tracheostomy or breathing tube out or blocked');
  });

  test.each([
    'can we move the trach change to next week?',
    'his trach tube came out during the change yesterday, the nurse put it back, all fine now',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test('"came out" or "blocked" alone carries nothing clinical: an opt-out beside it still counts', () => {
    const result = classify('stop texting me, the number got blocked anyway');
    expect(result.intent).toBe('opt_out');
    expect(result.clinicalContent).toBe(false);
  });
});

describe('"can\'t breathe" of the weather is no emergency; with a real sign it still is', () => {
  test.each(['this humidity, i literally cant breathe outside', 'so muggy today I cant breathe lol'])(
    '%s',
    (text) => {
      expect(classify(text).intent).not.toBe('emergency');
    },
  );

  test.each([
    'i cant breathe and my chest is tight',
    'cant breathe, its so humid and my inhaler isnt helping',
    'my son cant breathe and his lips are turning blue',
  ])('%s', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
