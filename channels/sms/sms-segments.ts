import { SegmentedMessage } from 'sms-segments-calculator';

export interface SegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
}

/** How a carrier will split a body: GSM-7 (160/153 per part) or UCS-2 (70/67) for emoji and most non-Latin text. */
export function countSegments(body: string): SegmentInfo {
  const plain = countPlainAsciiSegments(body);
  if (plain) return plain;
  const message = new SegmentedMessage(body);
  return {
    encoding: message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
    segments: message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}

/** ASCII characters of the GSM-7 basic set (one septet each); `\r` and the backtick are left out. */
const GSM_BASIC_ASCII = /^[\nA-Za-z0-9 !"#$%&'()*+,\-./:;<=>?@_]$/;
/** ASCII characters of the GSM-7 extension table: an escape and the character, two septets. */
const GSM_EXTENDED_ASCII = new Set(['^', '{', '}', '\\', '[', ']', '~', '|']);

/**
 * The same answer as the calculator for a body of plain ASCII (a campaign's thousands of rendered
 * messages), without its grapheme splitting, which costs most of a message's planning. Anything
 * else (`\r`, which may pair with `\n` into one grapheme; any non-ASCII character) returns
 * undefined and goes to the calculator. Sizes in septets: a part carries 160 alone, 153 beside
 * others (their header takes the rest), and a two-septet character is never split between parts.
 */
function countPlainAsciiSegments(body: string): SegmentInfo | undefined {
  const sizes: number[] = [];
  let total = 0;
  for (const char of body) {
    const size = GSM_BASIC_ASCII.test(char) ? 1 : GSM_EXTENDED_ASCII.has(char) ? 2 : 0;
    if (size === 0) return undefined;
    sizes.push(size);
    total += size;
  }
  if (total <= 160) return { encoding: 'GSM-7', segments: 1, characters: total };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > 153) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding: 'GSM-7', segments, characters: total };
}
