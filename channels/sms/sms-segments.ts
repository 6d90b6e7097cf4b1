import { SegmentedMessage } from 'sms-segments-calculator';

export interface SegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
}

/** How a carrier will split a body: GSM-7 (160/153 per part) or UCS-2 (70/67) for emoji and most non-Latin text. */
export function countSegments(body: string): SegmentInfo {
  const message = new SegmentedMessage(body);
  return {
    encoding: message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
    segments: message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}
