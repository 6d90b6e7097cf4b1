import { ratingIn } from './csat-answers';

describe('a reply that is only a rating', () => {
  test.each([
    ['4', 4],
    [' 5! ', 5],
    ['1.', 1],
    ['3 stars', 3],
    ['2/5', 2],
    ['⭐ 4', 4],
    ['5 estrellas', 5],
    ['0', null],
    ['6', null],
    ['45', null],
    ['4, but the rash is back', null],
    ['call me at 4', null],
    ['', null],
  ])('%j -> %p', (body, rating) => {
    expect(ratingIn(body)).toBe(rating);
  });
});

test('a long reply is no rating, and is read in linear time (the webhook path runs this)', () => {
  // "4", then spaces, then a letter: the shape that made the old pattern backtrack for seconds.
  for (const length of [1_600, 20_000, 200_000]) {
    expect(ratingIn(`4${' '.repeat(length)}x`)).toBeNull();
    expect(ratingIn(`${' '.repeat(length)}4`)).toBe(4);
  }
});
