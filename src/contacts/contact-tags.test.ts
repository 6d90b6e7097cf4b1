import { HttpError } from '../platform/http/http-error';
import { MAX_TAG_LENGTH, MAX_TAGS, normalizeTags, parseTags } from './contact-tags';

test.each([
  ['trimmed', [' flu-2026 ', 'senior'], ['flu-2026', 'senior']],
  ['each once, first place kept', ['senior', 'flu', 'senior'], ['senior', 'flu']],
  ['a tag and its padded twin are one', ['flu', ' flu'], ['flu']],
  ['case is kept: audiences match it exactly', ['VIP', 'vip'], ['VIP', 'vip']],
  ['none', [], []],
])('parseTags: %s', (_, given, stored) => {
  expect(parseTags(given)).toEqual(stored);
});

const code = (value: unknown) => {
  try {
    parseTags(value);
    return 'accepted';
  } catch (error) {
    return error instanceof HttpError ? `${error.status} ${error.code}` : 'other';
  }
};

test.each([
  ['a string', 'senior', '400 invalid_tags'],
  ['null', null, '400 invalid_tags'],
  ['an object', { 0: 'senior' }, '400 invalid_tags'],
  ['a number among strings', ['senior', 7], '400 invalid_tags'],
  ['an empty tag', ['senior', ''], '400 empty_tag'],
  ['a blank tag', ['   '], '400 empty_tag'],
  ['a tag over the limit', ['x'.repeat(MAX_TAG_LENGTH + 1)], '400 tag_too_long'],
  ['a tag at the limit', ['x'.repeat(MAX_TAG_LENGTH)], 'accepted'],
  ['too many', Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`), '400 too_many_tags'],
  [
    'as many as allowed, once repeats go',
    [...Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`), 't0'],
    'accepted',
  ],
])('parseTags on %s', (_, value, expected) => {
  expect(code(value)).toBe(expected);
});

test('the import drops blanks where the API refuses them', () => {
  expect(normalizeTags(['flu', ' ', 'flu '])).toEqual(['flu']);
});
