/**
 * Carrier-standard SMS keywords (CTIA practice, as US carriers and Twilio apply them). Only a
 * message that is the keyword alone counts: "I need to cancel my appointment" is a normal message.
 */
import type { CarrierKeyword } from '../clinic/carrier-keyword-replies';

export type { CarrierKeyword };

const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'UNSTOP']);
const HELP = new Set(['HELP', 'INFO']);

/** The keyword a message is, if it is one; `YES` opts in only when the sender is opted out. */
export function parseCarrierKeyword(body: string, options: { optedOut: boolean }): CarrierKeyword | null {
  // Surrounding spaces and punctuation (including emoji-free trailing "!" or ".") are ignored.
  const word = body
    .normalize('NFKC')
    .trim()
    .replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '')
    .toUpperCase();
  if (word === '' || /\s/.test(word)) return null;
  if (OPT_OUT.has(word)) return 'opt_out';
  if (OPT_IN.has(word)) return 'opt_in';
  if (word === 'YES' && options.optedOut) return 'opt_in';
  if (HELP.has(word)) return 'help';
  return null;
}
