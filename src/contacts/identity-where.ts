import { and, eq } from 'drizzle-orm';
import type { IdentityRef } from '../channel-port';
import { contactIdentities } from '../platform/db/schema';

/** The SQL condition for the contact_identities row of `identity` in the organization. */
export function identityWhere(orgId: string, identity: IdentityRef) {
  return and(
    eq(contactIdentities.orgId, orgId),
    eq(contactIdentities.kind, identity.kind),
    eq(contactIdentities.address, identity.address),
  );
}
