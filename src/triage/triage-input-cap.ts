/**
 * How much of a message triage reads, whichever engine sits behind createTriage. 20,000 characters
 * is about 3,000 words, seven printed pages: every SMS (1,600), web chat message (2,000) and
 * phone-menu answer whole, a voicemail transcript whole, and the first pages of a long email after
 * its quoted history is cut. Patients put what is wrong first; what lies beyond the cap (a pasted
 * document, the tail of a Bot Framework message up to its 28,000) is stored and shown to staff, but
 * triage does not read it, and says so in its reasons. The cap keeps the cost of one message bounded
 * even for an engine whose cost grows faster than the text.
 */
export const MAX_TRIAGE_CHARS = 20_000;

export interface CappedText {
  text: string;
  /** Characters past the cap that triage did not read; zero when it read everything. */
  unread: number;
}

export function capForTriage(text: string): CappedText {
  if (text.length <= MAX_TRIAGE_CHARS) return { text, unread: 0 };
  return { text: text.slice(0, MAX_TRIAGE_CHARS), unread: text.length - MAX_TRIAGE_CHARS };
}

/** The reason a result carries when the text was longer than the cap. */
export function unreadReason(unread: number): string {
  return `triage read the first ${MAX_TRIAGE_CHARS.toLocaleString('en-US')} characters; the last ${unread.toLocaleString('en-US')} were not read (staff see the whole message)`;
}
