import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** How staff see who a contact is, from what the hub knows about her. */
export interface ContactLabel {
  displayName: string;
  /** A way to recognise her: formatted phone or email; null when only a chat session is known. */
  displayAddress: string | null;
}

export interface LabelledIdentity {
  kind: string;
  address: string;
}

/** Phones are stored in E.164; staff read them grouped the way the country writes them. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed ? parsed.formatInternational() : e164;
}

const CHAT_KINDS = new Set(['webchat', 'botframework']);

/**
 * The name and address a row and a thread show. A chat identity's address is an internal session id
 * that means nothing to staff and must not be shown, so a chat-only contact reads as a chat visitor.
 */
export function contactLabel(
  displayName: string | null,
  identities: readonly LabelledIdentity[],
): ContactLabel {
  const phone = identities.find((i) => i.kind === 'phone');
  const email = identities.find((i) => i.kind === 'email' || i.kind === 'unverified-email');
  const displayAddress = phone ? formatPhone(phone.address) : (email?.address ?? null);
  const name = displayName?.trim();
  if (name) return { displayName: name, displayAddress };
  if (displayAddress) return { displayName: displayAddress, displayAddress };
  const chat = identities.some((i) => CHAT_KINDS.has(i.kind));
  return { displayName: chat ? 'Web chat visitor' : 'Unknown patient', displayAddress: null };
}

/** An identity as the patient panel lists it: chat session ids replaced by the channel's name. */
export function visibleAddress(identity: LabelledIdentity): string {
  if (identity.kind === 'phone') return formatPhone(identity.address);
  if (CHAT_KINDS.has(identity.kind))
    return identity.kind === 'webchat' ? 'web chat session' : 'Bot Framework chat';
  return identity.address;
}
