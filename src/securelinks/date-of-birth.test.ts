import { datesOfBirthMatch, parseDateOfBirth } from './date-of-birth';

describe('parseDateOfBirth', () => {
  test.each([
    ['1980-04-23', '1980-04-23'],
    [' 1980-04-23 ', '1980-04-23'],
    ['2000-02-29', '2000-02-29'],
    ['1900-01-01', '1900-01-01'],
  ])('accepts %p', (input, expected) => {
    expect(parseDateOfBirth(input)).toBe(expected);
  });

  test.each([
    [''],
    ['23/04/1980'],
    ['04/23/1980'],
    ['1980-4-23'],
    ['19800423'],
    ['1980-13-01'],
    ['1980-02-30'],
    ['1900-02-29'],
    ['1899-12-31'],
    ['1980-04-23T00:00'],
    [undefined],
    [['1980-04-23']],
    [19800423],
  ])('refuses %p', (input) => {
    expect(parseDateOfBirth(input)).toBeNull();
  });
});

describe('datesOfBirthMatch', () => {
  test.each([
    ['1980-04-23', '1980-04-23', true],
    ['1980-04-23', '1980-04-24', false],
    ['1980-04-23', '1980-04-2', false],
    ['1980-04-23', null, false],
  ])('%p vs %p', (given, stored, expected) => {
    expect(datesOfBirthMatch(given, stored)).toBe(expected);
  });
});
