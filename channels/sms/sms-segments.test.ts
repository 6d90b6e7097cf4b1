import { SegmentedMessage } from 'sms-segments-calculator';
import { countSegments } from './sms-segments';

describe('countSegments', () => {
  test.each([
    ['', 'GSM-7', 1],
    ['Your appointment is confirmed.', 'GSM-7', 1],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['a'.repeat(306), 'GSM-7', 2],
    ['a'.repeat(307), 'GSM-7', 3],
    // GSM-7 extension characters take two septets each.
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['Gracias 🙏', 'UCS-2', 1],
    ['ü'.repeat(160), 'GSM-7', 1],
    ['ç'.repeat(10), 'UCS-2', 1],
    ['你好'.repeat(35), 'UCS-2', 1],
    ['你好'.repeat(36), 'UCS-2', 2],
    ['Привет, '.repeat(9), 'UCS-2', 2],
  ])('%p is %s in %i segment(s)', (body, encoding, segments) => {
    const info = countSegments(body);
    expect(info.encoding).toBe(encoding);
    expect(info.segments).toBe(segments);
  });
});

describe('countSegments on plain ASCII (a fast path) agrees with the calculator', () => {
  const alphabet = [
    'a',
    'Z',
    '7',
    ' ',
    '\n',
    '.',
    '@',
    '_',
    '$',
    '^',
    '{',
    '}',
    '[',
    ']',
    '~',
    '|',
    '\\',
    '`',
    '\r',
    'é',
    '€',
  ];
  // A fixed pseudo-random sequence, so a failure repeats.
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const bodies = Array.from({ length: 400 }, (_, i) => {
    const length = [0, 1, 152, 153, 154, 159, 160, 161, 305, 306, 307, 459, 460, 461][i % 14]! + (next() % 3);
    const pool = alphabet.slice(0, i % 3 === 0 ? alphabet.length : 17);
    return Array.from({ length }, () => pool[next() % pool.length]).join('');
  });
  test.each(bodies.map((body, i) => [i, body]))('body %i', (_, body) => {
    const message = new SegmentedMessage(body as string);
    expect(countSegments(body as string)).toEqual({
      encoding: message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
      segments: message.segmentsCount,
      characters: message.numberOfCharacters,
    });
  });
});
