import { createTriage } from './index';

// Harm to others threatened with a weapon at hand, psychosis beside a weapon, a venomous bite, a severed
// finger, and the time of a birth or an operation that dates the event, not the symptom after it.
// Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('danger to others: a threat or psychosis with a weapon at hand is an emergency', () => {
  test.each([
    [
      'my son says hes going to hurt his teacher tomorrow and he has access to a gun',
      'threat to harm someone',
    ],
    [
      'she keeps saying shes gonna stab her sister, she took a knife from the kitchen',
      'threat to harm someone',
    ],
    [
      'my husband hears voices telling him to do things and he is holding a knife',
      'hallucinations or paranoia with a weapon',
    ],
    [
      'mi esposa esta viendo cosas que no existen y tiene un cuchillo',
      'hallucinations or paranoia with a weapon',
    ],
  ])('%s', (text, finding) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.findings.join(' ')).toContain(finding);
  });

  test.each([
    'my mom is gonna kill me if I miss curfew',
    'were going to shoot at the gun range saturday, want to come',
    'Im going to kill it at the knife skills class lol',
  ])('a figure of speech: %s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a venomous bite and a severed finger are emergencies', () => {
  test.each([
    'I was bitten by a rattlesnake on my ankle 10 minutes ago',
    'a copperhead bit my son on the hand while he was playing in the woodpile',
    'a mi hijo le pico un alacran y esta babeando mucho',
    'my finger got cut off in the door',
    'chopped the tip of my thumb off with the mandoline',
  ])('%s', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'saw a rattlesnake on the trail today, so cool',
    'cut off the tags and wash it before you wear it',
  ])('nothing bit anyone: %s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('the time of a birth or an operation dates the event, not the symptom after it', () => {
  test.each([
    'passed a huge clot and im soaking a pad every half hour after the birth last week',
    'had my baby 2 weeks ago and now I have a terrible headache and my vision is blurry',
  ])('%s', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'had surgery last week and the bleeding stopped, when do the stitches come out',
    'after the birth last week I had some bleeding but its almost stopped now',
  ])('over: %s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
