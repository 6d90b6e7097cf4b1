import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { declaredIdentityKinds, identityShown } from '../platform/addresses/identity-kinds';

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

/**
 * The name and address a row and a thread show. The address is the first identity staff may read,
 * in the order the kinds are declared (a phone, then an email); a kind whose address is an internal
 * id (a chat session) is never shown, and a contact known only by such a kind, who gave no name,
 * reads as its kind's visitor ("Web chat visitor").
 */
export function contactLabel(
  displayName: string | null,
  identities: readonly LabelledIdentity[],
): ContactLabel {
  const kinds = declaredIdentityKinds();
  const shownKind = kinds.find(
    (declaration) => declaration.shown.as !== 'hidden' && identities.some((i) => i.kind === declaration.kind),
  );
  const shown = shownKind && identities.find((i) => i.kind === shownKind.kind);
  const displayAddress = shown ? visibleAddress(shown) : null;
  const name = displayName?.trim();
  if (name) return { displayName: name, displayAddress };
  if (displayAddress) return { displayName: displayAddress, displayAddress };
  const hidden = identities.map((i) => identityShown(i.kind)).find((how) => how.as === 'hidden');
  return { displayName: hidden?.as === 'hidden' ? hidden.visitor : 'Unknown patient', displayAddress: null };
}

/** An identity as the patient panel lists it: internal ids (chat sessions) replaced by what they are. */
export function visibleAddress(identity: LabelledIdentity): string {
  const how = identityShown(identity.kind);
  if (how.as === 'phone') return formatPhone(identity.address);
  if (how.as === 'hidden') return how.described;
  return identity.address;
}
