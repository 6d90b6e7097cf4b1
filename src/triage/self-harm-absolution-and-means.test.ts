import { createTriage } from './index';

// Self-harm said through what a note says or what is at hand: clearing someone else of blame beside
// parting words; a loaded firearm while sitting alone; asking how much of a medicine would be enough;
// a method named beside a train that is not a training course. And the everyday messages that share
// their words. Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('self-harm said through absolution, a loaded weapon, an amount or a method', () => {
  test.each([
    // clearing someone of blame beside parting words
    'sorry for everything. tell my sister none of this was her fault',
    'I left a note for my parents. please let the nurse know it was not his fault',
    'written letters to my children. dont blame yourself doc',
    'perdon por todo, diganle a mi mama que no fue su culpa',
    // a loaded firearm, sitting alone
    'put bullets in my brothers pistol, sitting in my truck by the lake',
    'sitting alone in the dark with the shotgun loaded',
    // how much would be enough, with no purpose
    'been reading how many of my lorazepam would be enough',
    'how many trazodone would it take, just wondering',
    // a method beside a train: not a training course
    'I want to step in front of the train on my way home tonight',
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
    // blame about an everyday matter
    "it wasn't her fault the appointment was missed",
    'sorry for all the trouble, please tell the receptionist it was not her fault the bill was wrong',
    "it's not your fault, I know the pharmacy was swamped today",
    'sorry for all the trouble, can we move my visit to thursday',
    // a doses question, with its purpose
    'is 2 tylenol enough for a fever',
    'how many advil would be enough for my back pain',
    'how much motrin would be enough for a 30 pound toddler',
    // a firearm on an errand, or a loaded car
    'my dad loaded his rifle for deer season and I am sitting in the car waiting',
    'loaded the car with boxes and now sitting in the car in traffic',
    // a train and a training
    'the train on my way to work was late, I missed my 9 oclock',
    'took a training on first aid, what should be in a home kit',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test('oversleeping is no wish to die', () => {
    // The unresponsive concept still reads "didn't wake up" (left as is: a miss there costs more);
    // no self-harm finding comes of it.
    const { findings } = classify("my son fell asleep and didn't wake up for school lol");
    expect(findings.join(' ')).not.toMatch(/wish to die|suicid|self-harm/);
  });
});
