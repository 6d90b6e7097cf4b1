import { and, eq } from 'drizzle-orm';
import type { IdentityRef, OutboundMessageView } from '../channel-port';
import type { Database } from '../platform/db/database';
import { contactIdentities, contacts, messages } from '../platform/db/schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The language on file for the contact holding this identity, or null (unknown identity or no language). */
export async function findContactLanguage(
  db: Database,
  orgId: string,
  identity: IdentityRef,
): Promise<string | null> {
  const [row] = await db
    .select({ language: contacts.language })
    .from(contactIdentities)
    .innerJoin(contacts, eq(contacts.id, contactIdentities.contactId))
    .where(
      and(
        eq(contactIdentities.orgId, orgId),
        eq(contactIdentities.kind, identity.kind),
        eq(contactIdentities.address, identity.address),
      ),
    )
    .limit(1);
  return row?.language ?? null;
}

/** Our outbound message `messageId` on `channel`, as the channel reads it out; null when there is none. */
export async function findOutboundMessage(
  db: Database,
  orgId: string,
  channel: string,
  messageId: string,
): Promise<OutboundMessageView | null> {
  // The id comes from a provider callback URL: a malformed one is simply not ours.
  if (!UUID.test(messageId)) return null;
  const [row] = await db
    .select({
      id: messages.id,
      to: messages.toAddress,
      body: messages.body,
      templateId: messages.templateId,
      status: messages.status,
      language: contacts.language,
    })
    .from(messages)
    .innerJoin(contacts, eq(contacts.id, messages.contactId))
    .where(
      and(
        eq(messages.id, messageId),
        eq(messages.orgId, orgId),
        eq(messages.direction, 'outbound'),
        eq(messages.channel, channel),
      ),
    )
    .limit(1);
  if (!row?.to) return null;
  return {
    messageId: row.id,
    to: row.to,
    body: row.body,
    templateId: row.templateId,
    language: row.language,
    status: row.status,
  };
}
