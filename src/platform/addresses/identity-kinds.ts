/**
 * The kinds of contact identity the hub knows, and how staff are shown an identity of each.
 *
 * `phone` and `email` are the core's own: they are fields of a contact record (staff type them, an
 * import reads them, a patient claims one to be verified), whichever channels run. Every other
 * kind is declared by the channel that stores it (ChannelAdapter.identityKinds: a web chat session,
 * a Bot Framework user, an unproven email sender), and the channel registry records it here when it
 * is built. A kind means the same in every hub of a process, so one table serves them all, and the
 * presenters label a contact without a registry threaded through each of them.
 */

/** A contact address kind every hub knows, whatever channels it runs. */
export type ContactAddressKind = 'phone' | 'email';

/** A kind of contact identity: a contact address kind, or one a channel declares (`webchat`). */
export type IdentityKind = string;

/**
 * How staff are shown an identity's address:
 * - `phone`: an E.164 number, grouped the way its country writes it;
 * - `address`: as stored (an email address);
 * - `hidden`: an internal id (a chat session) that means nothing to staff and is never shown; the
 *   patient panel lists `described` instead ("web chat session"), and a contact known only by
 *   such identities, who gave no name, reads as `visitor` ("Web chat visitor").
 */
export type IdentityShown =
  | { as: 'phone' }
  | { as: 'address' }
  | { as: 'hidden'; described: string; visitor: string };

/** A kind of identity a channel stores, and how it is shown and treated. */
export interface IdentityKindDeclaration {
  readonly kind: IdentityKind;
  readonly shown: IdentityShown;
  /**
   * This kind holds senders who claimed an address of the kind named here without proof (email's
   * `unverified-email` holds unproven `email` senders): see src/intake/unverified-senders.ts.
   */
  readonly holdsUnverified?: IdentityKind;
  /**
   * True when the name given with an identity of this kind is the provider's account name rather
   * than something typed by the sender (a Bot Framework user): a first-time sender under the full
   * name of someone on file is suggested as a possible duplicate.
   */
  readonly nameFromAccount?: boolean;
}

/** An undeclared kind is never shown as is: its address may be an internal id. */
const UNDECLARED: IdentityShown = { as: 'hidden', described: 'other identity', visitor: 'Unknown patient' };

const CONTACT_ADDRESS_KINDS: readonly IdentityKindDeclaration[] = [
  { kind: 'phone', shown: { as: 'phone' } },
  { kind: 'email', shown: { as: 'address' } },
];

/** In declaration order: the contact address kinds first, which a label prefers in that order. */
const declared = new Map<IdentityKind, IdentityKindDeclaration>(
  CONTACT_ADDRESS_KINDS.map((declaration) => [declaration.kind, declaration]),
);

/**
 * Records a kind a channel declares. Two channels may declare the same kind (a shared provider
 * account), alike; declaring it differently, or redeclaring a contact address kind, is refused.
 */
export function declareIdentityKind(declaration: IdentityKindDeclaration): void {
  const known = declared.get(declaration.kind);
  if (known && JSON.stringify(known) !== JSON.stringify(declaration)) {
    throw new Error(`identity kind ${declaration.kind} is declared twice, differently`);
  }
  declared.set(declaration.kind, declaration);
}

/** How an identity of this kind is shown (an undeclared kind: hidden). */
export function identityShown(kind: IdentityKind): IdentityShown {
  return declared.get(kind)?.shown ?? UNDECLARED;
}

/** Every declared kind, the contact address kinds first, then in the order channels declared them. */
export function declaredIdentityKinds(): IdentityKindDeclaration[] {
  return [...declared.values()];
}

/** The kind holding senders who claimed an address of `kind` without proof, if one is declared. */
export function holdingKindFor(kind: IdentityKind): IdentityKind | undefined {
  return declaredIdentityKinds().find((declaration) => declaration.holdsUnverified === kind)?.kind;
}

/** True when a name given with an identity of this kind comes from the provider's account. */
export function namesComeFromAccount(kind: IdentityKind): boolean {
  return declared.get(kind)?.nameFromAccount === true;
}
