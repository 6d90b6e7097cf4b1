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
