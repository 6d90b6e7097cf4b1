import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { storeMessageEvents } from '../conversations/hub-events';
import { asHttpError, type OutboundServiceDeps, planOutbound } from '../outbound/outbound-service';
import { FAILED_SEND_STATUSES, isFailedSend } from '../outbound/send-failures';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { conversations, messages } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import type { Initiator, Purpose } from '../policy/policy-engine';
import { assertConversationAccess } from '../staff/contact-access';
import { presentMessage } from './message-presenter';
import { presentDecision } from './outbound-routes';

const idParam = z.object({ id: z.uuid('must be a message id') });

/**
 * A retry taken but never finished (its process died between taking it and writing the new message)
 * may be taken again after this long: by then the first request has ended one way or the other.
 */
const STALE_RETRY_SECONDS = 120;

const INITIATORS: readonly Initiator[] = ['staff_reply', 'automated', 'emergency_safety'];
const PURPOSES: readonly Purpose[] = ['care', 'administrative', 'marketing'];
const SENSITIVITIES = ['public', 'limited', 'phi'] as const;

/**
 * `POST /messages/:id/retry`: a failed send tried again as a new message, through the policy gate
 * (planOutbound) as if written now: consent, the channel's sensitivity ceiling and quiet hours are
 * decided afresh (a patient who opted out since is refused, 422). The failed message stays as it
 * was, failed, and names the new one (`retriedAs`); it no longer counts as a failed send.
 */
export function messageRetryRouter(db: Database, outbound: OutboundServiceDeps): Router {
  const router = Router();

  router.post('/messages/:id/retry', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const staff = req.staff!;
    const [found] = await db
      .select({ message: messages, queue: conversations.queue })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(messages.id, id), eq(messages.orgId, staff.orgId)));
    if (!found) throw new HttpError(404, 'message_not_found', 'No such message');
    assertConversationAccess(staff, found.queue);
    const failed = found.message;
    if (!isFailedSend(failed)) {
      throw new HttpError(409, 'message_not_failed', 'Only a send that failed can be retried');
    }
    if (failed.retriedAs) {
      throw new HttpError(409, 'already_retried', 'This message was already sent again', {
        retriedAs: failed.retriedAs,
      });
    }
    // Taken by one request at a time: two staff pressing Retry together send it once.
    const [taken] = await db
      .update(messages)
      .set({ retriedAt: sql`now()` })
      .where(
        and(
          eq(messages.id, id),
          isNull(messages.retriedAs),
          inArray(messages.status, [...FAILED_SEND_STATUSES]),
          or(
            isNull(messages.retriedAt),
            lt(messages.retriedAt, sql`now() - make_interval(secs => ${STALE_RETRY_SECONDS})`),
          ),
        ),
      )
      .returning({ id: messages.id });
    if (!taken) throw new HttpError(409, 'retry_in_progress', 'This message is being sent again already');

    const policy = failed.policy ?? {};
    const initiator = INITIATORS.find((i) => i === policy.initiator) ?? 'staff_reply';
    const purpose = PURPOSES.find((p) => p === policy.purpose) ?? 'care';
    // A notice of a secure link carries no PHI itself: the link's content stays behind the link.
    const sensitivity =
      policy.securedVia === 'securelink'
        ? 'limited'
        : (SENSITIVITIES.find((s) => s === policy.sensitivity) ?? 'phi');
    let planned: Awaited<ReturnType<typeof planOutbound>>;
    try {
      planned = await planOutbound(
        outbound,
        {
          orgId: staff.orgId,
          contactId: failed.contactId,
          conversationId: failed.conversationId,
          initiator,
          requestedChannel: failed.channel,
          notes: ['sent again by staff after a failed send'],
          content: { body: failed.body, sensitivity, purpose },
          // A notice's link is stored masked: the new send makes the link a live token again.
          ...(typeof failed.channelMeta.secureLinkId === 'string'
            ? { secureLinkId: failed.channelMeta.secureLinkId }
            : {}),
          staffId: staff.id,
          requestId: req.id,
          ip: req.ip,
        },
        { dryRun: false },
      );
    } catch (error) {
      // Refused (or broken): the failed message can be retried again later, e.g. after a new consent.
      await db.update(messages).set({ retriedAt: null }).where(eq(messages.id, id));
      throw asHttpError(error);
    }
    const { decision, outcome } = planned;
    const retry = outcome!.message;
    await db.transaction(async (tx) => {
      await tx.update(messages).set({ retriedAs: retry.id }).where(eq(messages.id, id));
      await storeMessageEvents(tx, 'message.status', [id]);
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: 'message.retry',
        subjectType: 'message',
        subjectId: id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { retriedAs: retry.id, channel: retry.channel, failedCode: failed.errorCode },
      });
    });
    res.status(202).json({
      message: {
        ...presentMessage(retry),
        securedVia: decision.securedVia ?? null,
        scheduledFor: decision.scheduledFor ?? null,
      },
      decision: presentDecision(decision),
      retryOf: id,
    });
  });

  return router;
}
