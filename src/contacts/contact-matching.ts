import { and, eq, inArray } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt, RequestMeta } from '../channel-port';
import { namesComeFromAccount } from '../platform/addresses/identity-kinds';
import { writeAudit } from '../platform/audit/audit-log';
import type { Queryable } from '../platform/db/database';
import { contactIdentities, type DuplicateSuggestionReason, messages } from '../platform/db/schema';
import { findIdentity } from './contact-directory';
import {
  findLookAlikeEmailContacts,
  findSameNameContacts,
  sameMailbox,
  suggestPossibleDuplicate,
} from './possible-duplicates';

/** Our outbound message an inbound one answers, and how we know. */
export interface ThreadTarget {
  messageId: string;
  contactId: string;
  /** Where our message went. */
  toAddress: string | null;
  /** `signed`: the channel proved it (a signed reply address); `references`: the sender's headers say so. */
  via: 'signed' | 'references';
}

export interface ContactMatchPlan {
  target: ThreadTarget | null;
  /** The contact that already has the sender's address, if any. */
  senderContactId: string | null;
  /** True when the sender's new address is added to the target contact before storing. */
  link: boolean;
}

/**
 * Our outbound message on `channel` that `message` answers: the one the channel proved (inReplyTo),
 * else the first of its references that is one of ours.
 */
export async function findThreadTarget(
  db: Queryable,
  orgId: string,
  message: InboundMessage,
): Promise<ThreadTarget | null> {
  const columns = {
    id: messages.id,
    contactId: messages.contactId,
    toAddress: messages.toAddress,
    providerMessageId: messages.providerMessageId,
  };
  const ours = and(
    eq(messages.orgId, orgId),
    eq(messages.channel, message.channel),
    eq(messages.direction, 'outbound'),
  );
  if (message.inReplyTo && /^[0-9a-f-]{36}$/i.test(message.inReplyTo)) {
    const [row] = await db
      .select(columns)
      .from(messages)
      .where(and(ours, eq(messages.id, message.inReplyTo)));
    if (row) return { messageId: row.id, contactId: row.contactId, toAddress: row.toAddress, via: 'signed' };
  }
  const references = [...new Set(message.references ?? [])].slice(0, 50);
  if (references.length === 0) return null;
  const rows = await db
    .select(columns)
    .from(messages)
    .where(and(ours, inArray(messages.providerMessageId, references)));
  for (const reference of references) {
    const row = rows.find((r) => r.providerMessageId === reference);
    if (row)
      return { messageId: row.id, contactId: row.contactId, toAddress: row.toAddress, via: 'references' };
  }
  return null;
}

/**
 * Decides, before an inbound message is stored, whose it is when the sender's address alone cannot
 * say. Matching order: the signed reply token, then In-Reply-To/References, then the sender address.
 *
 * The sender's new address is added to the contact our message went to only when that is safe: the
 * reply token is signed (headers can be forged), and the sender is the very mailbox we wrote to,
 * still on file, written another way (`ana+clinic@x` answering as `ana@x`). Anything else (a reply
 * from a spouse's address, a forward) could hand the patient's future mail to someone else: the
 * sender then gets a contact of its own and a possible-duplicate suggestion for staff.
 */
export async function planContactMatch(
  db: Queryable,
  orgId: string,
  message: InboundMessage,
): Promise<ContactMatchPlan | null> {
  const threaded = Boolean(message.inReplyTo || message.references?.length);
  if (!threaded && !message.from.displayName) return null;
  const sender = await findIdentity(db, orgId, message.from.kind, message.from.address);
  const target = threaded ? await findThreadTarget(db, orgId, message) : null;
  let link = false;
  if (!sender && target?.via === 'signed' && target.toAddress && message.from.kind === 'email') {
    if (sameMailbox(message.from.address, target.toAddress)) {
      const onFile = await findIdentity(db, orgId, message.from.kind, target.toAddress);
      link = onFile?.contactId === target.contactId;
    }
  }
  return { target, senderContactId: sender?.contactId ?? null, link };
}

/** Adds the sender's address to the target contact (see planContactMatch for when). */
export async function linkSenderIdentity(
  db: Queryable,
  orgId: string,
  plan: ContactMatchPlan,
  message: InboundMessage,
  meta: RequestMeta,
): Promise<void> {
  if (!plan.link || !plan.target) return;
  const inserted = await db
    .insert(contactIdentities)
    .values({
      orgId,
      contactId: plan.target.contactId,
      kind: message.from.kind,
      address: message.from.address,
    })
    .onConflictDoNothing({
      target: [contactIdentities.orgId, contactIdentities.kind, contactIdentities.address],
    })
    .returning({ id: contactIdentities.id });
  if (inserted.length === 0) return;
  await writeAudit(db, {
    orgId,
    actorKind: 'system',
    action: 'identity.linked',
    subjectType: 'contact',
    subjectId: plan.target.contactId,
    requestId: meta.requestId,
    detail: {
      kind: message.from.kind,
      identityId: inserted[0]!.id,
      reason: 'signed_reply_from_same_mailbox',
      repliedTo: plan.target.messageId,
    },
  });
}

/**
 * After the message is stored: the possible duplicates it reveals. Idempotent (once per pair and
 * reason), so a redelivered message that failed here the first time gets them too.
 */
export async function suggestDuplicatesFor(
  db: Queryable,
  orgId: string,
  plan: ContactMatchPlan,
  message: InboundMessage,
  receipt: InboundReceipt,
): Promise<number> {
  let suggested = 0;
  const suggest = async (
    existingContactId: string,
    reason: DuplicateSuggestionReason,
    evidence: Record<string, unknown> = { messageId: receipt.messageId },
  ) => {
    const added = await suggestPossibleDuplicate(db, {
      orgId,
      existingContactId,
      newContactId: receipt.contactId,
      reason,
      evidence,
    });
    if (added) suggested += 1;
  };
  if (plan.target && plan.target.contactId !== receipt.contactId) {
    await suggest(
      plan.target.contactId,
      plan.senderContactId ? 'replied_from_other_contact' : 'replied_from_new_address',
      {
        messageId: receipt.messageId,
        repliedTo: plan.target.messageId,
        via: plan.target.via,
      },
    );
  }
  const { kind, address, displayName } = message.from;
  if (!plan.senderContactId && displayName) {
    // A sender seen for the first time who gives the name of someone on file with a look-alike address.
    if (kind === 'email' && !plan.link) {
      for (const id of await findLookAlikeEmailContacts(db, orgId, receipt.contactId, displayName, address)) {
        await suggest(id, 'same_name_and_email_local_part');
      }
    }
    // A user seen for the first time under the full name of someone on file, where the name comes
    // with the provider's account (a Bot Framework user) rather than from a form.
    if (namesComeFromAccount(kind)) {
      for (const id of await findSameNameContacts(db, orgId, receipt.contactId, displayName)) {
        await suggest(id, 'same_display_name');
      }
    }
  }
  return suggested;
}
