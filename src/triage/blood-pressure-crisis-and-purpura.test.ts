import { createTriage } from './index';

// A blood pressure reading at a crisis level with a sign that an organ suffers is a hypertensive
// emergency; the reading alone is for a nurse today. A rash "like bruises" is purpura. Sentences written
// for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a crisis-level blood pressure with headache, vision, chest or brain signs is an emergency', () => {
  test.each([
    'moms blood pressure is 220/130 and she has a pounding headache and blurry vision',
    'my bp is 195 over 125 and my chest feels tight',
    'bp 230/140 and hes confused',
    'la presion de mi papa esta en 210 y le duele mucho la cabeza y ve borroso',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.findings.join(' ')).toContain('blood pressure at a crisis level');
  });

  test('the reading alone goes to a nurse today, not to the ER', () => {
    const result = classify('my blood pressure was 185/100 at the pharmacy machine, feel totally fine');
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).toBe('urgent');
  });

  test.each([
    'my bp is 130/85, headache today, is that related',
    'my blood pressure was 190/110 last year before the meds, now its 120s, need a refill',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a rash that looks like bruises is purpura', () => {
  test.each([
    'he has a really bad headache and a rash that looks like bruises, hes 17',
    'my daughter has a fever and spots like bruises on her legs',
    'mi hija tiene fiebre y ronchas como moretones en las piernas',
  ])('%s', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test('bruising easily asked about is no emergency', () => {
    expect(classify('she bruises easily, is that normal with her iron being low').intent).not.toBe(
      'emergency',
    );
  });
});

describe('a crisis reading already treated is history', () => {
  test.each([
    'estuve en la sala de emergencia por la presion alta, 200, me la bajaron y ahora esta en 135, cuando vengo a la cita?',
    'last week my bp was 210 with a headache and they got it down in the er, when is my follow up',
  ])('%s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
