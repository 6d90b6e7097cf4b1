import { and, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import { lockUndecided, type MessageRow } from '../conversations/conversation-store';
import { storeHubEvent } from '../conversations/hub-events';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database, Transaction } from '../platform/db/database';
import {
  conversationLabels,
  conversationNotes,
  conversationReads,
  conversationSnoozes,
  conversations,
  csatSurveys,
  hubEvents,
  messages,
} from '../platform/db/schema';

/** Longer than any bare rating ("⭐ 5 estrellas!" is 14): anything longer is a message. */
const MAX_RATING_LENGTH = 24;

/**
 * The rating in a reply that is only a rating: "4", " 5! ", "3 stars", "⭐ 4". Anything more ("4, but
 * my rash is back") is a message for the clinic and is handled as one; so is a number out of range.
 */
export function ratingIn(body: string): number | null {
  // Trimmed and length-checked before the pattern: its adjacent optional spaces backtrack
  // polynomially, and "4" then 1,600 spaces and a letter held the event loop for over a second.
  const text = body.trim();
  if (text.length > MAX_RATING_LENGTH) return null;
  const match = /^(?:⭐\s*)?([1-5])\s*(?:\/\s*5|stars?|estrellas?|⭐+)?\s*[.!]?$/iu.exec(text);
  return match ? Number(match[1]) : null;
}

/** A rating recorded: the answer message now sits in the conversation it rates. */
export interface RecordedRating {
  rating: number;
  conversationId: string;
}

/**
 * Records a stored reply as the answer to the rating question when it is only a rating and answers
 * an open question: asked on this channel and to this address, within the window when the reply
 * came, and the last thing the hub sent there before it (after "Reply 1 to confirm" in a reminder,
 * a bare number answers that). Run by the triage job, in its own transaction, before anything is
 * classified: the webhook stores every reply through the one inbound path (which opens a
 * conversation when the rated one is resolved), and here the reply moves into the conversation it
 * rates, decided (never routed or triaged), that conversation stays as it was, and the one opened
 * for the reply alone goes. Null when the reply is an ordinary message, or was decided meanwhile.
 */
export async function recordRatingAnswer(db: Database, message: MessageRow): Promise<RecordedRating | null> {
  const rating = ratingIn(message.body);
  const address = message.fromAddress;
  // Anything but a bare rating costs no transaction.
  if (rating === null || message.direction !== 'inbound' || address === null) return null;
  return db.transaction((tx) => recordRating(tx, message, rating, address));
}

async function recordRating(
  tx: Transaction,
  message: MessageRow,
  rating: number,
  address: string,
): Promise<RecordedRating | null> {
  if (!(await lockUndecided(tx, message.id))) return null;
  const [survey] = await tx
    .select()
    .from(csatSurveys)
    .where(
      and(
        eq(csatSurveys.orgId, message.orgId),
        eq(csatSurveys.channel, message.channel),
        eq(csatSurveys.address, address),
        isNull(csatSurveys.rating),
        gt(csatSurveys.expiresAt, message.createdAt),
      ),
    )
    .orderBy(desc(csatSurveys.createdAt))
    .limit(1)
    .for('update');
  if (!survey) return null;
  // The latest of our messages to this address before the reply (messages_outbound_to_idx).
  const [latest] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.channel, message.channel),
        eq(messages.toAddress, address),
        eq(messages.direction, 'outbound'),
        lt(messages.createdAt, message.createdAt),
        eq(messages.orgId, message.orgId),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1);
  if (latest?.id !== survey.questionMessageId) return null;

  const [rated] = await tx
    .select({ queue: conversations.queue })
    .from(conversations)
    .where(eq(conversations.id, survey.conversationId));
  const queue = rated?.queue ?? '';
  await tx
    .update(messages)
    .set({
      conversationId: survey.conversationId,
      // What staff read in the thread; no triage job decides it again.
      triage: {
        intent: 'general',
        engine: 'csat',
        reasons: [`answer to the rating question: ${rating}`],
        findings: [`Rated the clinic ${rating} of 5`],
      },
    })
    .where(eq(messages.id, message.id));
  // The stored event follows the message: a replay shows it where it now is.
  await tx
    .update(hubEvents)
    .set({ conversationId: survey.conversationId, queue: queue })
    .where(and(eq(hubEvents.messageId, message.id), eq(hubEvents.type, 'message.created')));
  if (message.conversationId !== survey.conversationId) {
    await leaveConversation(tx, message.conversationId);
  }
  await tx
    .update(csatSurveys)
    .set({ rating, ratedAt: new Date(), answerMessageId: message.id })
    .where(eq(csatSurveys.id, survey.id));
  await writeAudit(tx, {
    orgId: message.orgId,
    actorKind: 'patient',
    actorId: survey.contactId,
    action: 'csat.rated',
    subjectType: 'conversation',
    subjectId: survey.conversationId,
    requestId: message.requestId,
    detail: { rating, channel: message.channel, messageId: message.id },
  });
  // Staff lists reload: the conversation opened for the reply is gone.
  await storeHubEvent(tx, {
    orgId: message.orgId,
    type: 'conversation.updated',
    conversationId: survey.conversationId,
    messageId: message.id,
    queue: queue,
    payload: { csatRating: rating },
  });
  return { rating, conversationId: survey.conversationId };
}

/**
 * The conversation the store put the rating in, once the rating has moved out: gone when the reply
 * alone opened it, else it points at its own latest message again. One that staff wrote a note or
 * put a label on meanwhile (within the seconds before triage) is kept, with no message.
 */
async function leaveConversation(tx: Transaction, conversationId: string): Promise<void> {
  const [remaining] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const [noted] = remaining
    ? []
    : await tx
        .select({ id: conversationNotes.id })
        .from(conversationNotes)
        .where(eq(conversationNotes.conversationId, conversationId))
        .union(
          tx
            .select({ id: conversationLabels.labelId })
            .from(conversationLabels)
            .where(eq(conversationLabels.conversationId, conversationId)),
        )
        .limit(1);
  if (remaining || noted) {
    await tx
      .update(conversations)
      .set({ lastMessageId: remaining?.id ?? null })
      .where(eq(conversations.id, conversationId));
    return;
  }
  await tx.delete(conversationReads).where(eq(conversationReads.conversationId, conversationId));
  await tx.delete(conversationSnoozes).where(eq(conversationSnoozes.conversationId, conversationId));
  await tx.delete(hubEvents).where(eq(hubEvents.conversationId, conversationId));
  await tx.delete(conversations).where(eq(conversations.id, conversationId));
}
