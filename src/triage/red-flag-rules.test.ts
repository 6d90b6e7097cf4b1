import { createTriage } from './index';

const triage = createTriage({});

describe('red flags', () => {
  test.each([
    // [text, category]
    ['crushing chest pain and sweating', 'chest_pain'],
    ['chst pain', 'chest_pain'],
    ['I think im having a heart attack', 'chest_pain'],
    ['no fever but crushing chest pain', 'chest_pain'],
    ['no fever, chest pain since this morning', 'chest_pain'],
    ['my dads face is drooping and his speech is slurred', 'stroke'],
    ['cant breath', 'breathing'],
    ['cant breathe', 'breathing'],
    ['I cannot catch my breath', 'breathing'],
    ['HELP my son is not breathing', 'breathing'],
    ['bleeding heavily and it wont stop', 'heavy_bleeding'],
    ['soaked through 2 pads in an hour', 'heavy_bleeding'],
    ['wanna kill myself', 'self_harm'],
    ['kms', 'self_harm'],
    ['i dont want to live anymore', 'self_harm'],
    ['my throat is closing up', 'anaphylaxis'],
    ['my toddler swallowed pills', 'overdose_poisoning'],
    ['I am pregnant and bleeding', 'pregnancy_emergency'],
    ['my water broke at 31 weeks', 'pregnancy_emergency'],
    ['she passed out and is unresponsive', 'unconscious_seizure'],
    ['having a seizure', 'unconscious_seizure'],
    ['tengo dolor de pecho', 'chest_pain'],
    ['me duele mucho el pecho', 'chest_pain'],
    ['no puedo respirar', 'breathing'],
    ['estoy sangrando mucho', 'heavy_bleeding'],
    ['me quiero morir', 'self_harm'],
    ['no quiero vivir', 'self_harm'],
    ['se me esta cerrando la garganta', 'anaphylaxis'],
    ['me tome todo el frasco de pastillas', 'overdose_poisoning'],
    ['estoy embarazada y sangrando', 'pregnancy_emergency'],
    ['mi hijo esta convulsionando', 'unconscious_seizure'],
    ['no tengo fiebre pero tengo dolor de pecho', 'chest_pain'],
  ])('%s -> emergency (%s)', (text, category) => {
    const result = triage.classifyLocal(text);
    expect(result).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
      engine: 'red-flag',
    });
    expect(result.reasons.join(' ')).toContain(categoryLabel(category));
  });

  test.each([
    'no chest pain anymore',
    'the heavy bleeding stopped yesterday',
    'the bleeding stopped yesterday',
    'not suicidal, just tired',
    'I am not suicidal',
    'no tengo dolor de pecho',
    'ya no me duele el pecho',
    'denies chest pain',
    'had a heart attack 5 years ago, need my refill',
    'history of seizures, need my seizure meds refilled',
    'I had chest pain but it went away',
    'tenia dolor de pecho pero ya se me quito',
    'no shortness of breath',
  ])('%s -> not an emergency', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).not.toBe('emergency');
  });

  test('a negated red flag is named in the reasons', () => {
    const result = triage.classifyLocal('no chest pain anymore');
    expect(result.reasons.some((r) => r.includes('chest pain') && r.includes('negated'))).toBe(true);
  });

  test('a red flag deep inside a long message is still found', () => {
    const text = `${'my appointment is next week and I have some questions. '.repeat(100)}now I cant breathe`;
    expect(text.length).toBeGreaterThan(5000);
    expect(triage.classifyLocal(text).intent).toBe('emergency');
  });

  test('reminder context never hides a red flag', () => {
    const result = triage.classifyLocal('2 chest pain', { lastOutboundTemplate: 'appointment-reminder' });
    expect(result.intent).toBe('emergency');
  });
});

function categoryLabel(category: string): string {
  const emergency = triage.intents.find((i) => i.name === 'emergency');
  const found = emergency?.redFlags.find((c) => c.category === category);
  if (!found) throw new Error(`unknown red-flag category ${category}`);
  return found.label;
}
