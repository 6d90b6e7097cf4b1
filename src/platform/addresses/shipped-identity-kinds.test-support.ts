import { declareIdentityKind } from './identity-kinds';

/**
 * For unit tests that label contacts or hold unproven senders without starting a hub: the identity
 * kinds the adapters in channels/ declare, recorded as the channel registry records them when a hub
 * starts (an integration test checks the adapters' own declarations through the staff API).
 */
export function declareShippedIdentityKinds(): void {
  declareIdentityKind({
    kind: 'unverified-email',
    shown: { as: 'address' },
    holdsUnverified: 'email',
  });
  declareIdentityKind({
    kind: 'botframework',
    shown: { as: 'hidden', described: 'Bot Framework chat', visitor: 'Web chat visitor' },
    nameFromAccount: true,
  });
  declareIdentityKind({
    kind: 'webchat',
    shown: { as: 'hidden', described: 'web chat session', visitor: 'Web chat visitor' },
  });
}
