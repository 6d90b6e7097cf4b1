import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { TextRequestView } from '../../contracts/inbox-api';
import { type IdentityRef, type RequestMeta, VerificationInputError } from '../channel-port';
import { visibleAddress } from '../contacts/contact-label';
import { identityWhere } from '../contacts/identity-where';
import { findOrOpenConversation } from '../conversations/conversation-store';
import { storeHubEvent } from '../conversations/hub-events';
import { normalizePhone } from '../platform/addresses/addresses';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database, Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { chatTextRequests, contactIdentities, conversations } from '../platform/db/schema';
import { recordConsent } from '../policy/consent-ledger';

/** Where the consent ledger says a consent came from. */
export const WEB_CHAT_CONSENT_SOURCE = 'webchat';

export interface TextRequestDeps {
  db: Database;
  orgId: string;
  defaultRegion: string;
  /** The channel that texts a phone (SMS); undefined when the hub runs none. */
  textChannel: string | undefined;
  logger: Logger;
}

/**
 * "Text me when you reply": a web chat visitor gives a phone and consents to be texted about this
 * conversation. The consent goes in the ledger (source `webchat`) and the request on the
 * conversation (chat_text_requests), which staff see; texts then follow staff replies while the
 * chat is closed (src/outbound/chat-text-handoff.ts).
 *
 * A phone that is already another contact's: the visitor typed a number, which proves nothing
 * about who they are (a shared family phone, a typo, someone else's number). Merging the two
 * contacts would hand the chat the other patient's history, and answering differently would tell
 * the visitor that the number is on file. So the visitor gets the same answer whatever the number,
 * and such a request is `held`: no identity moves, nothing is merged or texted, and staff see that
 * the number belongs to another patient and decide how to reach them. A one-time code to the
 * number was not chosen: it would prove the visitor holds the phone, not which patient on a shared
 * phone they are, and the chat's verification (date of birth plus a code) already exists for a
 * visitor who wants to be recognised as a patient on file. A number that is nobody's becomes this chat contact's phone, unverified, which is what a visitor
 * who gives a number at a front desk gets too; a reply's content still goes by text only as the
 * policy allows (a notice otherwise).
 */
export async function requestTexts(
  deps: TextRequestDeps,
  identity: IdentityRef,
  input: { phone: string; consent: boolean },
  meta: RequestMeta,
): Promise<void> {
  const { db, orgId } = deps;
  if (input.consent !== true) {
    throw new VerificationInputError('consent_required', 'Tick the box to agree to be texted');
  }
  const phone = normalizePhone(input.phone, deps.defaultRegion);
  if (!phone) throw new VerificationInputError('invalid_phone', 'That is not a phone number');
  if (!deps.textChannel) throw new VerificationInputError('unavailable', 'This clinic does not send texts');
  const textChannel = deps.textChannel;

  const status = await db.transaction(async (tx) => {
    const [chat] = await tx
      .select({ contactId: contactIdentities.contactId })
      .from(contactIdentities)
      .where(identityWhere(orgId, identity));
    if (!chat) {
      throw new VerificationInputError('no_conversation', 'Write your message first, then ask to be texted');
    }
    const conversationId = await findOrOpenConversation(tx, orgId, chat.contactId);
    // Locked: two requests at once for a number nobody has would both try to add it.
    const [owner] = await tx
      .select({ contactId: contactIdentities.contactId })
      .from(contactIdentities)
      .where(identityWhere(orgId, { kind: 'phone', address: phone }))
      .for('update');
    let status: 'active' | 'held' = 'active';
    if (!owner) {
      await tx
        .insert(contactIdentities)
        .values({ id: newId(), orgId, contactId: chat.contactId, kind: 'phone', address: phone })
        .onConflictDoNothing();
    } else if (owner.contactId !== chat.contactId) {
      status = 'held';
    }
    // A visitor who gives another number replaces the one they gave before: texts go to one phone
    // per contact (the policy takes the first deliverable one), so the old one stops receiving.
    const [previous] = await tx
      .select({ phone: chatTextRequests.phone })
      .from(chatTextRequests)
      .where(and(eq(chatTextRequests.conversationId, conversationId), eq(chatTextRequests.status, 'active')));
    if (status === 'active' && previous && previous.phone !== phone) {
      await tx
        .update(contactIdentities)
        .set({ undeliverableAt: new Date() })
        .where(
          and(
            identityWhere(orgId, { kind: 'phone', address: previous.phone }),
            eq(contactIdentities.contactId, chat.contactId),
          ),
        );
    }
    await recordConsent(tx, {
      orgId,
      contactId: chat.contactId,
      channel: textChannel,
      purpose: 'care',
      status: 'opted_in',
      source: WEB_CHAT_CONSENT_SOURCE,
      note: 'asked in the web chat to be texted when the clinic replies',
    });
    const row = {
      conversationId,
      orgId,
      contactId: chat.contactId,
      chatAddress: identity.address,
      phone,
      status,
    };
    await tx
      .insert(chatTextRequests)
      .values(row)
      .onConflictDoUpdate({
        target: chatTextRequests.conversationId,
        set: { ...row, requestedAt: new Date() },
      });
    await writeAudit(tx, {
      orgId,
      actorKind: 'patient',
      actorId: chat.contactId,
      action: 'chat.text_requested',
      subjectType: 'conversation',
      subjectId: conversationId,
      ip: meta.ip ?? null,
      requestId: meta.requestId,
      detail: { status, channel: textChannel },
    });
    const [conversation] = await tx
      .select({ queue: conversations.queue })
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    // The inbox refreshes the thread and its patient panel, where the request shows.
    await storeHubEvent(tx, {
      orgId,
      type: 'conversation.updated',
      conversationId,
      messageId: null,
      queue: conversation?.queue ?? 'front-desk',
      payload: { reason: 'text_requested' },
    });
    return status;
  });
  // No phone here: logs never carry one.
  deps.logger.info({ requestId: meta.requestId, status }, 'web chat visitor asked to be texted');
}

/** The conversation's text request as the inbox shows it, or null. */
export async function loadTextRequestView(
  db: Queryable,
  conversationId: string,
): Promise<TextRequestView | null> {
  const [row] = await db
    .select({
      phone: chatTextRequests.phone,
      status: chatTextRequests.status,
      requestedAt: chatTextRequests.requestedAt,
    })
    .from(chatTextRequests)
    .where(eq(chatTextRequests.conversationId, conversationId));
  if (!row) return null;
  return {
    ...row,
    display: visibleAddress({ kind: 'phone', address: row.phone }),
    requestedAt: row.requestedAt.toISOString(),
  };
}
