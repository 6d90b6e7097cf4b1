import { createTriage } from './index';

// A method named with a vehicle or the tracks, a firearm brooded over, pills that "would do it", all of
// someone else's pills taken: each is an emergency however it is inflected; and a
// "train" in it is no "training" (a hypothetical trigger for "CPR training"). Sentences written for
// these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a method with a vehicle or the tracks is an emergency', () => {
  test.each([
    'thinking about jumping in front of the train tonight',
    'i keep thinking of stepping in front of a bus',
    'im going to walk in front of a train',
    'some days I just want to lie down on the tracks',
    'honestly might step in front of a truck on the way home',
    'tengo ganas de tirarme al tren, ya no aguanto',
    'stop texting me. going to walk in front of a bus tonight',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain('suicidal statement');
  });
});

describe('a training still makes a question hypothetical; a train or a bus alone is nothing', () => {
  test('a CPR training beside a question about a heart attack is no emergency', () => {
    expect(classify('I did a CPR training last week, what are signs of a heart attack?').intent).not.toBe(
      'emergency',
    );
  });
  test.each([
    'the train was late so I walked, my knee hurts a bit',
    'missed the bus, can I move my appointment to 3?',
  ])('%s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a firearm beside brooding over it, and how many pills "would do it"', () => {
  test.each([
    'I have my dads gun and Im thinking about it',
    'the rifle is in the closet and I keep thinking about it',
    'googled how many of my sleeping pills would do it',
    'do you think 30 of my xanax would be enough to end it',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
  test.each([
    'thinking about it, the gun show is next week',
    'how many tylenol would it take to hurt my liver?',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe("all of someone else's medicine taken is an overdose; one's own day's doses are not", () => {
  test.each(['took all my grandmas pills an hour ago', "my son took all of grandma's heart pills"])(
    '%s is an emergency',
    (text) => {
      expect(classify(text).intent).toBe('emergency');
    },
  );
  test.each([
    'my mom took all her pills today like she should',
    'my dad took all his pills this morning, can he have coffee',
    'took all my dads meds to the pharmacy for disposal',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
