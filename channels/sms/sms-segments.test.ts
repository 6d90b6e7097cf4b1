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
