import { normalizeEmail, normalizePhone } from './addresses';

describe('normalizePhone', () => {
  test.each([
    ['+1 (415) 555-2671', 'US', '+14155552671'],
    ['415-555-2671', 'US', '+14155552671'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['+52 55 1234 5678', 'US', '+525512345678'],
  ])('%s (%s) -> %s', (raw, region, expected) => {
    expect(normalizePhone(raw, region)).toBe(expected);
  });

  test.each(['', 'hello', '123', '+1 555 0100 99999999'])('%p is not a phone number', (raw) => {
    expect(normalizePhone(raw, 'US')).toBeNull();
  });
});

describe('normalizeEmail', () => {
  test.each([
    [' Pat.Doe@Example.ORG ', 'pat.doe@example.org'],
    ['a@b.co', 'a@b.co'],
  ])('%p -> %p', (raw, expected) => expect(normalizeEmail(raw)).toBe(expected));

  test.each(['', 'pat', 'pat@', 'pat@example', 'two words@example.org'])('%p is not an email', (raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });
});
