import { and, desc, eq, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import {
  type AnsweredMessage,
  type ChannelAdapter,
  type ReconcileResult,
  SendError,
  type SendResult,
} from '../channel-port';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { getMessage, type MessageRow, recordProviderAcceptance } from '../conversations/conversation-store';
import { storeMessageEvents } from '../conversations/hub-events';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import { channelLabel } from '../policy/policy-engine';
import { isSameNotice, renewLinkTokenForSend, revealLinkToken } from '../securelinks/secure-link-delivery';

/** Data of an `outbound-send` job. The job id is the message id, so a message has at most one job. */
export interface SendJobData {
  messageId: string;
  /** The request that caused the send, so its logs and the webhook's join. */
  requestId?: string;
  /** Deferred sends (quiet hours): the job waits until then. */
  notBefore?: string;
  /**
   * Set by the sweeper on the job that takes over a lapsed claim while the message's own job still
   * sits in BullMQ as `active`, under a lock its killed worker will never release.
   */
  takeover?: boolean;
}

/**
 * A send job's id: the message id, so adding a message's job twice adds it once; a message has at
 * most one takeover job besides it. Both may run: the row's claim decides which one sends.
 */
export function sendJobId(data: SendJobData): string {
  return data.takeover ? `${data.messageId}-takeover` : data.messageId;
}

export interface SendJobDeps {
  db: Database;
  channels: ChannelRegistry;
  logger: Logger;
  /** How long a claim holds before another worker may take it over (OUTBOX_LEASE_SECONDS). */
  leaseSeconds: number;
  /**
   * Awaited just before the provider is called (after the claim and any reconciliation): a campaign's
   * sender throttle waits here, so its pace is measured where the carrier sees it. What it answers,
   * if anything, is awaited once the provider call has settled (the throttle learns when it ended).
   */
  beforeProviderCall?: (message: MessageRow) => Promise<(() => Promise<void>) | undefined>;
  /**
   * A retryable error that no number of attempts makes final (a carrier's rate limit, for campaign
   * sends): the message goes back to pending on the last attempt too, and the caller sends it later.
   */
  isNeverFinal?: (error: SendError) => boolean;
}

/**
 * Claims of one message, first included, after which an interrupted send is not tried again: a
 * message that kills its worker every time must end before it takes the queue down with it.
 */
export const MAX_SEND_CLAIMS = 10;

export type SendOutcome =
  | { kind: 'sent'; providerMessageId: string; adopted: boolean }
  | { kind: 'skipped'; reason: 'not_found' | 'already_handled' | 'in_progress' | 'not_due' }
  | { kind: 'failed'; code: string }
  | { kind: 'retry'; code: string; message: string }
  /** The provider's answer was lost on the last attempt: the lapsed claim is the sweeper's now. */
  | { kind: 'unknown'; code: string };

type Claim = { row: MessageRow; interrupted: boolean };

/**
 * Sends one outbox message. Safe to run twice: it claims the row (pending -> sending, with a lease)
 * before calling the provider, so a second run finds nothing to do while the lease holds. A claim
 * whose lease lapsed means an earlier run stopped without an outcome (its process died, its job was
 * lost, the provider's answer never came): this run takes it over and asks the provider first
 * (`reconcile`), adopting what the provider accepted and sending only what it did not. What cannot
 * be decided fails visibly for a person.
 */
export async function execSendJob(
  deps: SendJobDeps,
  data: SendJobData,
  attempt: { isFinal: boolean },
): Promise<SendOutcome> {
  const log = deps.logger.child({ messageId: data.messageId, requestId: data.requestId });
  const claim =
    (await claimPending(deps, data.messageId)) ?? (await takeOverLapsedClaim(deps, data.messageId));
  if (!claim) {
    const current = await getMessage(deps.db, data.messageId);
    if (!current) {
      log.warn('send job for a message that does not exist');
      return { kind: 'skipped', reason: 'not_found' };
    }
    // Another worker holds a live claim; if it dies, the lease lapses and the sweeper brings it back.
    if (current.status === 'sending') return { kind: 'skipped', reason: 'in_progress' };
    if (current.status === 'pending') return { kind: 'skipped', reason: 'not_due' };
    return { kind: 'skipped', reason: 'already_handled' };
  }
  const { row: claimed, interrupted } = claim;

  const adapter = deps.channels.get(claimed.channel);
  if (!adapter || !claimed.toAddress) {
    await markFailed(
      deps.db,
      claimed.id,
      'channel_unavailable',
      `No ${claimed.channel} channel is configured`,
    );
    return { kind: 'failed', code: 'channel_unavailable' };
  }
  const to = claimed.toAddress;

  if (interrupted) {
    const decision = await reconcileInterrupted(deps, adapter, claimed, to, log);
    if (decision.kind !== 'send') return decision.outcome;
  }
  if (claimed.sendAttempts > MAX_SEND_CLAIMS) {
    await markFailed(
      deps.db,
      claimed.id,
      'send_attempts_exhausted',
      `Sending was tried ${MAX_SEND_CLAIMS} times without an answer from the provider; not tried again`,
    );
    log.error({ attempts: claimed.sendAttempts }, 'send claims exhausted');
    return { kind: 'failed', code: 'send_attempts_exhausted' };
  }

  try {
    const meta = claimed.channelMeta;
    // A secure-link notice is stored with its token masked; the live token is made now, after the
    // claim and any reconciliation (so one attempt makes one, and an adopted send keeps its own),
    // and exists only in this call's memory and the provider's.
    let reveal = (text: string) => text;
    if (typeof meta.secureLinkId === 'string') {
      const token = await renewLinkTokenForSend(deps.db, meta.secureLinkId);
      if (!token) {
        await markFailed(
          deps.db,
          claimed.id,
          'secure_link_unavailable',
          'The secure link this notice carries was locked or expired before it could be sent',
        );
        return { kind: 'failed', code: 'secure_link_unavailable' };
      }
      reveal = (text) => revealLinkToken(text, token);
    }
    const answering = adapter.threadsReplies ? await findAnsweredMessage(deps.db, claimed) : null;
    const afterProviderCall = await deps.beforeProviderCall?.(claimed);
    const result = await adapter
      .send({
        messageId: claimed.id,
        to,
        body: reveal(claimed.body),
        media: claimed.media,
        requestId: data.requestId,
        ...(typeof meta.subject === 'string' ? { subject: reveal(meta.subject) } : {}),
        ...(typeof meta.html === 'string' ? { html: reveal(meta.html) } : {}),
        ...(answering ? { answering } : {}),
      })
      .finally(() => afterProviderCall?.());
    await recordAccepted(deps.db, claimed, result, log);
    log.info({ channel: claimed.channel, status: result.status }, 'message handed to provider');
    return { kind: 'sent', providerMessageId: result.providerMessageId, adopted: false };
  } catch (error) {
    const sendError =
      error instanceof SendError ? error : new SendError('send_error', describeUnknown(error), true);
    if (sendError.outcomeUnknown) {
      // The provider may have it: never send again blindly. Lapse the lease at once, so the next
      // attempt (or the sweeper, after the last one) takes the claim over and asks the provider.
      await recordSendError(deps.db, claimed.id, sendError, { leaseUntil: sql`now()` });
      log.warn({ code: sendError.code }, 'provider answer lost; the send will be reconciled');
      return attempt.isFinal
        ? { kind: 'unknown', code: sendError.code }
        : { kind: 'retry', code: sendError.code, message: sendError.message };
    }
    if (!sendError.retryable || (attempt.isFinal && !deps.isNeverFinal?.(sendError))) {
      await markFailed(deps.db, claimed.id, sendError.code, sendError.message);
      log.warn({ code: sendError.code, retryable: sendError.retryable }, 'send failed for good');
      return { kind: 'failed', code: sendError.code };
    }
    // Back to pending so the retry (or the sweeper, if the job is lost) can claim it again.
    await recordSendError(deps.db, claimed.id, sendError, { status: 'pending', leaseUntil: null });
    log.warn({ code: sendError.code }, 'send failed; will retry');
    return { kind: 'retry', code: sendError.code, message: sendError.message };
  }
}

const leaseFrom = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/** Records a send's error on a message this job still holds (`sending`), with how the claim ends. */
async function recordSendError(
  db: Database,
  messageId: string,
  sendError: SendError,
  release: { status?: 'pending'; leaseUntil: SQL | null },
): Promise<void> {
  await db
    .update(messages)
    .set({ ...release, errorCode: sendError.code, errorMessage: sendError.message, updatedAt: sql`now()` })
    .where(and(eq(messages.id, messageId), eq(messages.status, 'sending')));
}

/** What every claim writes: one more attempt, when, and a fresh lease. */
const freshClaim = (deps: SendJobDeps) => ({
  sendAttempts: sql`${messages.sendAttempts} + 1`,
  claimedAt: sql`now()`,
  leaseUntil: leaseFrom(deps.leaseSeconds),
  updatedAt: sql`now()`,
});

/** pending -> sending, with a fresh lease. A deferred send (quiet hours) is not claimed early. */
async function claimPending(deps: SendJobDeps, messageId: string): Promise<Claim | null> {
  const [row] = await deps.db
    .update(messages)
    .set({ status: 'sending', ...freshClaim(deps) })
    .where(
      and(
        eq(messages.id, messageId),
        eq(messages.status, 'pending'),
        eq(messages.direction, 'outbound'),
        sql`(${messages.scheduledFor} is null or ${messages.scheduledFor} <= now() + interval '5 seconds')`,
      ),
    )
    .returning();
  return row ? { row, interrupted: false } : null;
}

/**
 * sending (lease lapsed) -> sending with a new lease, whatever became of the earlier job. A row
 * claimed before leases existed has none and counts as lapsed.
 */
async function takeOverLapsedClaim(deps: SendJobDeps, messageId: string): Promise<Claim | null> {
  const [row] = await deps.db
    .update(messages)
    .set(freshClaim(deps))
    .where(
      and(
        eq(messages.id, messageId),
        eq(messages.status, 'sending'),
        eq(messages.direction, 'outbound'),
        or(isNull(messages.leaseUntil), lte(messages.leaseUntil, sql`now()`)),
      ),
    )
    .returning();
  return row ? { row, interrupted: true } : null;
}

type Decision = { kind: 'send' } | { kind: 'done'; outcome: SendOutcome };

/** What to do with a send whose earlier claim ended without an outcome: ask the provider first. */
async function reconcileInterrupted(
  deps: SendJobDeps,
  adapter: ChannelAdapter,
  claimed: MessageRow,
  to: string,
  log: Logger,
): Promise<Decision> {
  if (!adapter.reconcile) {
    await markFailed(
      deps.db,
      claimed.id,
      'send_interrupted',
      `Sending stopped before ${channelLabel(claimed.channel)} answered, and it cannot be asked whether the message went out; check with the patient before sending it again`,
    );
    log.error(
      { channel: claimed.channel },
      'interrupted send on a channel that cannot reconcile; failed for a person',
    );
    return { kind: 'done', outcome: { kind: 'failed', code: 'send_interrupted' } };
  }
  let result: ReconcileResult;
  try {
    result = await adapter.reconcile({
      messageId: claimed.id,
      to,
      body: claimed.body,
      // The copy the provider holds of a secure-link notice has the token where ours has its mask.
      isSameText: (sent) => isSameNotice(claimed.body, sent),
      notBefore: claimed.createdAt,
    });
  } catch (error) {
    // Asking failed (the provider is down): keep the claim lapsed and try again later, never guess.
    await deps.db
      .update(messages)
      .set({ leaseUntil: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(messages.id, claimed.id), eq(messages.status, 'sending')));
    const code = error instanceof SendError ? error.code : 'reconcile_failed';
    log.warn({ code }, 'could not ask the provider about an interrupted send; will ask again');
    return { kind: 'done', outcome: { kind: 'retry', code, message: describeUnknown(error) } };
  }
  if (result.kind === 'accepted') {
    for (const send of result.sends) {
      if (await isHeldByAnother(deps.db, claimed, send.providerMessageId)) continue;
      await recordAccepted(deps.db, claimed, send, log);
      log.info({ channel: claimed.channel }, 'interrupted send found at the provider; adopted, not resent');
      return {
        kind: 'done',
        outcome: { kind: 'sent', providerMessageId: send.providerMessageId, adopted: true },
      };
    }
    log.info("the provider's matching records all belong to other messages; sending");
    return { kind: 'send' };
  }
  if (result.kind === 'undecidable') {
    await markFailed(deps.db, claimed.id, 'send_interrupted', result.reason);
    log.error({ channel: claimed.channel }, 'interrupted send could not be reconciled; failed for a person');
    return { kind: 'done', outcome: { kind: 'failed', code: 'send_interrupted' } };
  }
  log.info(
    { channel: claimed.channel, reconcile: result.kind },
    'interrupted send not at the provider; sending',
  );
  return { kind: 'send' };
}

async function isHeldByAnother(db: Database, claimed: MessageRow, providerMessageId: string) {
  const [other] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.channel, claimed.channel), eq(messages.providerMessageId, providerMessageId)))
    .limit(1);
  return Boolean(other && other.id !== claimed.id);
}

async function recordAccepted(db: Database, claimed: MessageRow, result: SendResult, log: Logger) {
  const { recorded } = await db.transaction(async (tx) => {
    const outcome = await recordProviderAcceptance(tx, claimed.id, claimed.channel, result);
    if (outcome.recorded) await storeMessageEvents(tx, 'message.status', [claimed.id]);
    return outcome;
  });
  if (!recorded) log.error({ channel: claimed.channel }, 'the provider holds a second copy of this message');
}

/**
 * The patient's message an outbound message answers, for a channel that threads: the one an
 * automatic answer names (`channelMeta.answers`), or, for a staff reply, the patient's latest
 * message on this channel from the address the reply goes to, written before the reply was.
 * Null for anything else (a reminder starts its own thread).
 */
export async function findAnsweredMessage(
  db: Database,
  outbound: MessageRow,
): Promise<AnsweredMessage | null> {
  const answers = outbound.channelMeta.answers;
  const isStaffReply = outbound.policy?.initiator === 'staff_reply';
  if (typeof answers !== 'string' && !isStaffReply) return null;
  const [row] = await db
    .select({ providerMessageId: messages.providerMessageId, channelMeta: messages.channelMeta })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, outbound.conversationId),
        eq(messages.direction, 'inbound'),
        eq(messages.channel, outbound.channel),
        typeof answers === 'string'
          ? eq(messages.id, answers)
          : and(
              eq(messages.fromAddress, outbound.toAddress ?? ''),
              lte(messages.createdAt, outbound.createdAt),
            ),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return row?.providerMessageId
    ? { providerMessageId: row.providerMessageId, channelMeta: row.channelMeta }
    : null;
}

async function markFailed(db: Database, id: string, code: string, message: string) {
  await db.transaction(async (tx) => {
    const failed = await tx
      .update(messages)
      .set({
        status: 'failed',
        errorCode: code,
        errorMessage: message,
        leaseUntil: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
      .returning({ id: messages.id });
    const ids = failed.map((f) => f.id);
    await storeMessageEvents(tx, 'message.status', ids);
    await storeMessageEvents(tx, 'message.failed', ids);
  });
}

function describeUnknown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
