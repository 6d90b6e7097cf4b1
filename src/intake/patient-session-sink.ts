import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { SessionSink } from '../channel-port';
import { isSessionOutbound, sessionHistory } from '../contacts/contact-history';
import type { ContactVerification } from '../contacts/contact-verification';
import { identityWhere } from '../contacts/identity-where';
import type { Database } from '../platform/db/database';
import { contactIdentities, contacts, conversations } from '../platform/db/schema';

export interface PatientSessionSinkDeps {
  db: Database;
  orgId: string;
  verification: ContactVerification;
  /** Tells staff looking at the conversation that the patient is typing (socket.io `/inbox`). */
  notifyStaffTyping?(conversationId: string): void;
}

/** The core side of live patient sessions (web chat), offered to adapters as `InboundSink.sessions`. */
export function createPatientSessionSink(deps: PatientSessionSinkDeps): SessionSink {
  const { db, orgId } = deps;
  return {
    history: (channel, identity, options) => sessionHistory(db, orgId, channel, identity.address, options),
    isOutboundTo: (channel, identity, messageId) =>
      isSessionOutbound(db, orgId, channel, identity.address, messageId),
    isVerified: (identity) => deps.verification.isVerified(identity),
    keepVerifiedAlive: (identity) => deps.verification.keepAlive(identity),
    requestVerification: (identity, claim, meta) => deps.verification.request(identity, claim, meta),
    confirmVerification: (identity, code, meta) => deps.verification.confirm(identity, code, meta),
    verifyByHandoff: (identity, handoff, meta) => deps.verification.verifyByHandoff(identity, handoff, meta),
    async nameGiven(identity, name) {
      const owner = db
        .select({ contactId: contactIdentities.contactId })
        .from(contactIdentities)
        .where(identityWhere(orgId, identity));
      await db
        .update(contacts)
        .set({ displayName: name })
        .where(and(eq(contacts.orgId, orgId), inArray(contacts.id, owner), isNull(contacts.displayName)));
    },
    async patientTyping(identity) {
      if (!deps.notifyStaffTyping) return;
      const [row] = await db
        .select({ conversationId: conversations.id })
        .from(contactIdentities)
        .innerJoin(
          conversations,
          and(eq(conversations.contactId, contactIdentities.contactId), ne(conversations.status, 'resolved')),
        )
        .where(identityWhere(orgId, identity))
        .limit(1);
      if (row) deps.notifyStaffTyping(row.conversationId);
    },
  };
}
