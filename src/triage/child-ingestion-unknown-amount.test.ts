import { createTriage } from './index';

// A child got into medicines and nobody knows how many: "how many" there is the unknown amount poison
// control asks about, not a dosing question, and must not set the ingestion aside. Sentences written for
// these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a child got into medicines, amount unknown', () => {
  test.each([
    'my toddler swallowed some of my sleeping pills, not sure how many',
    'my son chewed some of his sisters adhd pills, no idea how many',
    'my granddaughter chewed up some of my metoprolol, dont know how much',
    'my nephew swallowed a few of my lorazepam, unsure how many',
  ])('%s -> emergency', (text) => {
    expect(classify(text)).toMatchObject({ intent: 'emergency', urgency: 'emergency' });
  });
});

describe('dosing questions keep their "how many"', () => {
  test.each([
    'my 4 year old ate a gummy vitamin, how many can he have a day',
    'how many childrens tylenol can my 2 year old take, she ate dinner',
    'my daughter took her antibiotic, not sure how much to give next time',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
