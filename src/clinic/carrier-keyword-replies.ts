/** The carrier keywords the hub answers (parsed from a message in carrier-keywords.ts). */
export type CarrierKeyword = 'opt_out' | 'opt_in' | 'help';

/**
 * The one reply each carrier keyword gets. Carriers expect the clinic's name, how to undo the
 * action, and (for HELP) how to get help; these go out even to an opted-out number because the
 * confirmation of an opt-out is the last message the patient is owed.
 */
export function carrierKeywordReply(
  keyword: CarrierKeyword,
  clinic: { name: string; helpText?: string | null },
): string {
  switch (keyword) {
    case 'opt_out':
      return `${clinic.name}: you are unsubscribed and will get no more text messages from us. Reply START to resubscribe.`;
    case 'opt_in':
      return `${clinic.name}: you are subscribed to text messages again. Reply HELP for help, STOP to unsubscribe.`;
    case 'help':
      return (
        clinic.helpText ??
        `${clinic.name}: for help, call the clinic during office hours. Reply STOP to unsubscribe. In an emergency call 911.`
      );
  }
}
