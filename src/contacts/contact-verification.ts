import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { and, count, desc, eq, gt, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import {
  type IdentityRef,
  type RequestMeta,
  type VerificationClaim,
  VerificationInputError,
} from '../channel-port';
import { findOrOpenConversation } from '../conversations/conversation-store';
import { storeHubEvent } from '../conversations/hub-events';
import { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
import type { ContactAddressKind } from '../platform/addresses/identity-kinds';
import { writeAudit } from '../platform/audit/audit-log';
import { anyOf } from '../platform/db/any-of';
import type { Database, Queryable, Transaction } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import {
  contactIdentities,
  contacts,
  conversations,
  identityVerificationCodes,
  identityVerifications,
  messages,
} from '../platform/db/schema';
import { redeemChatHandoff } from '../securelinks/chat-handoff';
import { parseDateOfBirth } from '../securelinks/date-of-birth';

/** The template a code goes out with; its rendered copy in the outbox is redacted once it expires. */
export const VERIFICATION_CODE_TEMPLATE = 'verification-code';
export const CODE_TTL_SECONDS = 10 * 60;
export const MAX_CODE_ATTEMPTS = 5;
const REDACTED_BODY = '[one-time code, removed after it expired]';

/**
 * How long a verified session stays verified: it lapses after `idleMinutes` without a sign of life
 * (a connection, a message) and `maxHours` after it was verified whatever the activity, so a
 * shared or stolen browser does not keep a patient's PHI open for good. Then the visitor verifies again.
 */
export interface VerifiedSessionLifetime {
  idleMinutes: number;
  maxHours: number;
}

/** The SQL condition of a verification that has not lapsed. */
export function stillVerified(lifetime: VerifiedSessionLifetime) {
  return and(
    gt(identityVerifications.verifiedAt, sql`now() - make_interval(secs => ${lifetime.maxHours * 3600})`),
    gt(identityVerifications.lastActiveAt, sql`now() - make_interval(secs => ${lifetime.idleMinutes * 60})`),
  );
}

export interface ContactVerificationDeps {
  db: Database;
  orgId: string;
  lifetime: VerifiedSessionLifetime;
  /** Keys the code hashes (a stored hub secret): a database leak does not reveal live codes. */
  secret: string;
  defaultRegion: string;
  logger: Logger;
  /**
   * The channel a code to an address of this kind goes on: one the registry says carries
   * verification codes (SMS for a phone, email for an email); undefined when the hub runs none.
   */
  codeChannelFor(kind: ContactAddressKind): string | undefined;
  /** Sends the code to the contact through the outbound pipeline. Refusals are audited, not thrown on. */
  sendCode(input: { contactId: string; channel: string; code: string; requestId: string }): Promise<void>;
}

export interface ContactVerification {
  request(identity: IdentityRef, claim: VerificationClaim, meta: RequestMeta): Promise<void>;
  confirm(identity: IdentityRef, code: string, meta: RequestMeta): Promise<boolean>;
  /** Verifies by a handoff from a secure link (src/securelinks/chat-handoff.ts), once. */
  verifyByHandoff(identity: IdentityRef, handoff: string, meta: RequestMeta): Promise<boolean>;
  isVerified(identity: IdentityRef): Promise<boolean>;
  /** The verified session is in use: its idle expiry starts again (the absolute one does not move). */
  keepAlive(identity: IdentityRef): Promise<void>;
}

const subjectOf = (identity: IdentityRef) => `${identity.kind}:${identity.address}`;

function hashCode(secret: string, identity: IdentityRef, code: string): string {
  return createHmac('sha256', secret)
    .update(`${subjectOf(identity)}\u0000${code}`)
    .digest('base64url');
}

/**
 * Proving who is behind an identity (a web chat session): the patient gives a date of birth and a
 * phone or email; when exactly one contact has both on file, a six-digit code goes to that phone or
 * email, and the right code links the identity to the contact and marks it verified.
 *
 * No account enumeration: every request stores a code row, a decoy (no contact) when nothing or
 * several contacts matched, and is answered the same; the code is sent after the answer, so the
 * answer's timing does not depend on a match either; a wrong code, an expired one and a decoy's
 * fail alike. Each code allows MAX_CODE_ATTEMPTS tries, counted atomically in the row.
 */
export function createContactVerification(deps: ContactVerificationDeps): ContactVerification {
  const { db, orgId } = deps;
  const audit = (
    tx: Queryable,
    identity: IdentityRef,
    action: string,
    meta: RequestMeta,
    detail: Record<string, unknown>,
  ) =>
    writeAudit(tx, {
      orgId,
      actorKind: 'patient',
      action,
      subjectType: 'identity',
      subjectId: subjectOf(identity),
      ip: meta.ip ?? null,
      requestId: meta.requestId,
      detail,
    });

  return {
    async request(identity, claim, meta) {
      const dateOfBirth = parseDateOfBirth(claim.dateOfBirth);
      if (!dateOfBirth)
        throw new VerificationInputError('invalid_date_of_birth', 'The date of birth must be YYYY-MM-DD');
      const via = claim.phone !== undefined ? ('phone' as const) : ('email' as const);
      const address =
        via === 'phone'
          ? normalizePhone(claim.phone ?? '', deps.defaultRegion)
          : normalizeEmail(claim.email ?? '');
      if (!address)
        throw new VerificationInputError(
          via === 'phone' ? 'invalid_phone' : 'invalid_email',
          via === 'phone' ? 'That is not a phone number' : 'That is not an email address',
        );

      const matches = await db
        .selectDistinct({ id: contacts.id })
        .from(contacts)
        .innerJoin(contactIdentities, eq(contactIdentities.contactId, contacts.id))
        .where(
          and(
            eq(contacts.orgId, orgId),
            eq(contacts.dateOfBirth, dateOfBirth),
            eq(contactIdentities.kind, via),
            eq(contactIdentities.address, address),
          ),
        )
        .limit(2);
      const contactId = matches.length === 1 ? matches[0]!.id : null;
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const row = {
        orgId,
        identityKind: identity.kind,
        identityAddress: identity.address,
        contactId,
        codeHash: hashCode(deps.secret, identity, code),
        attempts: 0,
        expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000),
      };
      await db.transaction(async (tx) => {
        // A new request replaces the previous code and its attempt count.
        await tx
          .insert(identityVerificationCodes)
          .values(row)
          .onConflictDoUpdate({
            target: [
              identityVerificationCodes.orgId,
              identityVerificationCodes.identityKind,
              identityVerificationCodes.identityAddress,
            ],
            set: { ...row, createdAt: sql`now()` },
          });
        await audit(tx, identity, 'verification.requested', meta, {
          via,
          outcome: matches.length === 0 ? 'no_match' : contactId ? 'matched' : 'several_matches',
          contactId,
        });
      });
      await redactExpiredCodes(db, orgId).catch((err) =>
        deps.logger.warn({ err }, 'could not redact expired verification codes'),
      );
      if (!contactId) return;

      const channel = deps.codeChannelFor(via);
      if (channel === undefined) {
        deps.logger.warn(
          { requestId: meta.requestId, via },
          'verification code not sent: no channel carries it',
        );
        await audit(db, identity, 'verification.code_refused', meta, { contactId, reason: 'no_channel' });
        return;
      }
      // Not awaited: the caller's answer must not take longer when a contact matched.
      void deps
        .sendCode({ contactId, channel, code, requestId: meta.requestId })
        .then(() => audit(db, identity, 'verification.code_sent', meta, { contactId, channel }))
        .catch(async (err: unknown) => {
          const reason = (err as { code?: string }).code ?? 'send_error';
          deps.logger.warn({ requestId: meta.requestId, reason }, 'verification code not sent');
          await audit(db, identity, 'verification.code_refused', meta, { contactId, channel, reason }).catch(
            () => undefined,
          );
        });
    },

    async confirm(identity, code, meta) {
      const log = deps.logger.child({ requestId: meta.requestId });
      return db.transaction(async (tx) => {
        // Counts the attempt first, atomically: concurrent guesses cannot exceed the limit.
        const [live] = await tx
          .update(identityVerificationCodes)
          .set({ attempts: sql`${identityVerificationCodes.attempts} + 1` })
          .where(
            and(
              eq(identityVerificationCodes.orgId, orgId),
              eq(identityVerificationCodes.identityKind, identity.kind),
              eq(identityVerificationCodes.identityAddress, identity.address),
              gt(identityVerificationCodes.expiresAt, sql`now()`),
              lt(identityVerificationCodes.attempts, MAX_CODE_ATTEMPTS),
            ),
          )
          .returning();
        const given = Buffer.from(hashCode(deps.secret, identity, code));
        const right =
          live !== undefined &&
          given.length === Buffer.byteLength(live.codeHash) &&
          timingSafeEqual(given, Buffer.from(live.codeHash)) &&
          live.contactId !== null;
        if (!live || !right) {
          await audit(tx, identity, 'verification.failed', meta, {
            reason: live ? 'wrong_code' : 'no_live_code',
            attempt: live?.attempts ?? null,
          });
          log.info({ attempt: live?.attempts ?? null }, 'verification code refused');
          return false;
        }
        await tx
          .delete(identityVerificationCodes)
          .where(
            and(
              eq(identityVerificationCodes.orgId, orgId),
              eq(identityVerificationCodes.identityKind, identity.kind),
              eq(identityVerificationCodes.identityAddress, identity.address),
            ),
          );
        const linked = await linkIdentityToContact(tx, orgId, identity, live.contactId!, 'one_time_code');
        await audit(tx, identity, 'verification.succeeded', meta, { ...linked });
        log.info(
          { contactId: linked.contactId, merged: linked.mergedContactId !== null },
          'identity verified',
        );
        return true;
      });
    },

    async verifyByHandoff(identity, handoff, meta) {
      const log = deps.logger.child({ requestId: meta.requestId });
      return db.transaction(async (tx) => {
        // Spent in the same transaction as the link: a failure below leaves the handoff unused.
        const redeemed = await redeemChatHandoff(tx, orgId, handoff);
        if (!redeemed) {
          await audit(tx, identity, 'verification.failed', meta, {
            method: 'secure_link',
            reason: 'handoff_invalid',
          });
          log.info('secure link handoff refused');
          return false;
        }
        const linked = await linkIdentityToContact(tx, orgId, identity, redeemed.contactId, 'secure_link');
        await audit(tx, identity, 'verification.succeeded', meta, {
          ...linked,
          method: 'secure_link',
          secureLinkId: redeemed.secureLinkId,
        });
        log.info(
          { contactId: linked.contactId, merged: linked.mergedContactId !== null },
          'identity verified by a secure link handoff',
        );
        return true;
      });
    },

    isVerified: (identity) => isIdentityVerified(db, orgId, identity, deps.lifetime),

    async keepAlive(identity) {
      await db
        .update(identityVerifications)
        .set({ lastActiveAt: sql`now()` })
        .where(
          and(
            stillVerified(deps.lifetime),
            inArray(
              identityVerifications.identityId,
              db
                .select({ id: contactIdentities.id })
                .from(contactIdentities)
                .where(
                  and(
                    eq(contactIdentities.orgId, orgId),
                    eq(contactIdentities.kind, identity.kind),
                    eq(contactIdentities.address, identity.address),
                  ),
                ),
            ),
          ),
        );
    },
  };
}

/** True when the identity is verified as the contact it belongs to now, and that has not lapsed. */
export async function isIdentityVerified(
  db: Queryable,
  orgId: string,
  identity: IdentityRef,
  lifetime: VerifiedSessionLifetime,
): Promise<boolean> {
  const [row] = await db
    .select({ identityId: identityVerifications.identityId })
    .from(identityVerifications)
    .innerJoin(
      contactIdentities,
      and(
        eq(contactIdentities.id, identityVerifications.identityId),
        eq(contactIdentities.contactId, identityVerifications.contactId),
      ),
    )
    .where(
      and(
        eq(contactIdentities.orgId, orgId),
        eq(contactIdentities.kind, identity.kind),
        eq(contactIdentities.address, identity.address),
        stillVerified(lifetime),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Ids of the contact's identities verified as this contact (the policy lets a verified session carry PHI). */
export async function verifiedIdentityIds(
  db: Queryable,
  contactId: string,
  lifetime: VerifiedSessionLifetime,
): Promise<Set<string>> {
  return (await verifiedIdentityIdsByContact(db, [contactId], lifetime)).get(contactId) ?? new Set();
}

/** verifiedIdentityIds for many contacts in one query (a campaign's page of recipients). */
export async function verifiedIdentityIdsByContact(
  db: Queryable,
  contactIds: string[],
  lifetime: VerifiedSessionLifetime,
): Promise<Map<string, Set<string>>> {
  const byContact = new Map<string, Set<string>>();
  if (contactIds.length === 0) return byContact;
  const rows = await db
    .select({ contactId: identityVerifications.contactId, identityId: identityVerifications.identityId })
    .from(identityVerifications)
    .innerJoin(contactIdentities, eq(contactIdentities.id, identityVerifications.identityId))
    .where(
      and(
        anyOf(identityVerifications.contactId, contactIds),
        eq(contactIdentities.contactId, identityVerifications.contactId),
        stillVerified(lifetime),
      ),
    );
  for (const row of rows) {
    const set = byContact.get(row.contactId) ?? new Set<string>();
    set.add(row.identityId);
    byContact.set(row.contactId, set);
  }
  return byContact;
}

interface LinkOutcome {
  contactId: string;
  identityId: string;
  /** The anonymous contact the identity belonged to, whose messages joined the contact's conversation. */
  mergedContactId: string | null;
  movedMessages: number;
}

/**
 * Moves the identity to the contact (creating it if the session never wrote), records it verified,
 * and folds the anonymous contact it came from into the contact's one conversation. Replies go to
 * one address per kind: the contact's other identities of this kind are marked undeliverable, so
 * the session verified last is the one replies reach.
 */
async function linkIdentityToContact(
  tx: Transaction,
  orgId: string,
  identity: IdentityRef,
  contactId: string,
  method: string,
): Promise<LinkOutcome> {
  const [existing] = await tx
    .select()
    .from(contactIdentities)
    .where(
      and(
        eq(contactIdentities.orgId, orgId),
        eq(contactIdentities.kind, identity.kind),
        eq(contactIdentities.address, identity.address),
      ),
    )
    .for('update');
  let identityId: string;
  let previousContactId: string | null = null;
  if (existing) {
    identityId = existing.id;
    if (existing.contactId !== contactId) {
      previousContactId = existing.contactId;
      await tx
        .update(contactIdentities)
        .set({ contactId, undeliverableAt: null })
        .where(eq(contactIdentities.id, existing.id));
    }
  } else {
    identityId = newId();
    await tx.insert(contactIdentities).values({ id: identityId, orgId, contactId, ...identity });
  }
  await tx
    .update(contactIdentities)
    .set({ undeliverableAt: sql`now()` })
    .where(
      and(
        eq(contactIdentities.contactId, contactId),
        eq(contactIdentities.kind, identity.kind),
        ne(contactIdentities.id, identityId),
        sql`${contactIdentities.undeliverableAt} is null`,
      ),
    );
  await tx
    .insert(identityVerifications)
    .values({ identityId, orgId, contactId, method })
    .onConflictDoUpdate({
      target: identityVerifications.identityId,
      set: { contactId, method, verifiedAt: sql`now()`, lastActiveAt: sql`now()` },
    });
  const movedMessages = previousContactId
    ? await absorbAnonymousContact(tx, orgId, previousContactId, contactId)
    : 0;
  return {
    contactId,
    identityId,
    mergedContactId: movedMessages > 0 ? previousContactId : null,
    movedMessages,
  };
}

/**
 * Folds a contact that only existed for this session (no other identity, no name, no date of
 * birth) into the verified contact: its messages move to the contact's active conversation, which
 * keeps the more urgent routing of the two, and its own conversations are resolved. A contact staff
 * enriched meanwhile is left alone: merging two real records is a decision for a person.
 */
async function absorbAnonymousContact(
  tx: Transaction,
  orgId: string,
  fromContactId: string,
  toContactId: string,
): Promise<number> {
  const [from] = await tx.select().from(contacts).where(eq(contacts.id, fromContactId));
  const [{ value: identitiesLeft } = { value: 0 }] = await tx
    .select({ value: count() })
    .from(contactIdentities)
    .where(eq(contactIdentities.contactId, fromContactId));
  if (!from || identitiesLeft > 0 || from.displayName || from.dateOfBirth) return 0;

  const sources = await tx.select().from(conversations).where(eq(conversations.contactId, fromContactId));
  if (sources.length === 0) return 0;
  const targetId = await findOrOpenConversation(tx, orgId, toContactId);
  const moved = await tx
    .update(messages)
    .set({ contactId: toContactId, conversationId: targetId, updatedAt: sql`now()` })
    .where(eq(messages.contactId, fromContactId))
    .returning({ id: messages.id });
  const [target] = await tx.select().from(conversations).where(eq(conversations.id, targetId));
  const urgent = sources.filter((c) => c.status !== 'resolved').sort((a, b) => b.priority - a.priority)[0];
  const [last] = await tx
    .select({ id: messages.id, createdAt: messages.createdAt })
    .from(messages)
    .where(eq(messages.conversationId, targetId))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(1);
  await tx
    .update(conversations)
    .set({
      ...(urgent && target && urgent.priority > target.priority
        ? {
            queue: urgent.queue,
            priority: urgent.priority,
            urgency: urgent.urgency,
            slaDueAt: urgent.slaDueAt,
          }
        : {}),
      ...(last
        ? {
            lastMessageId: last.id,
            lastActivityAt: sql`greatest(${conversations.lastActivityAt}, ${last.createdAt.toISOString()}::timestamptz)`,
          }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(conversations.id, targetId));
  await tx
    .update(conversations)
    .set({ status: 'resolved', resolvedAt: sql`now()`, lastMessageId: null, updatedAt: sql`now()` })
    .where(
      and(
        inArray(
          conversations.id,
          sources.map((c) => c.id),
        ),
        ne(conversations.status, 'resolved'),
      ),
    );
  const [updated] = await tx.select().from(conversations).where(eq(conversations.id, targetId));
  await storeHubEvent(tx, {
    orgId,
    type: 'conversation.updated',
    conversationId: targetId,
    messageId: null,
    queue: updated?.queue ?? 'front-desk',
    payload: {
      reason: 'identity_verified',
      mergedConversationIds: sources.map((c) => c.id),
      movedMessages: moved.length,
    },
  });
  return moved.length;
}

/** The outbox copy of a code is useless once the code expired: its text is replaced. */
async function redactExpiredCodes(db: Database, orgId: string): Promise<void> {
  await db
    .update(messages)
    .set({ body: REDACTED_BODY, updatedAt: sql`now()` })
    .where(
      and(
        eq(messages.orgId, orgId),
        eq(messages.templateId, VERIFICATION_CODE_TEMPLATE),
        isNotNull(messages.sentAt),
        ne(messages.body, REDACTED_BODY),
        // A bounded range keeps this on the (org_id, created_at) index.
        gt(messages.createdAt, sql`now() - interval '2 days'`),
        lt(messages.createdAt, sql`now() - make_interval(secs => ${CODE_TTL_SECONDS})`),
      ),
    );
}
