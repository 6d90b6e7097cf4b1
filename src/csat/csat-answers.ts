import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { InboundMessage, InboundReceipt } from '../channel-port';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { csatSurveys, messages } from '../platform/db/schema';

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

/**
 * Stores a bare 1-5 reply as the answer to the rating question its sender was asked on this channel
 * within the window, when the question is the last thing the hub sent there: the message goes into the resolved conversation the question was about,
 * already decided (so triage never reads it as a new clinical message), and the conversation stays
 * resolved. Null when no question is waiting for this sender: the reply is then an ordinary
 * message. Idempotent on the provider's id, as every inbound webhook is.
 */
export async function storeRatingAnswer(
  db: Database,
  orgId: string,
  message: InboundMessage,
  requestId: string,
): Promise<InboundReceipt | null> {
  const rating = ratingIn(message.body);
  if (rating === null) return null;
  return db.transaction(async (tx) => {
    const [survey] = await tx
      .select()
      .from(csatSurveys)
      .where(
        and(
          eq(csatSurveys.orgId, orgId),
          eq(csatSurveys.channel, message.channel),
          eq(csatSurveys.address, message.from.address),
          isNull(csatSurveys.rating),
          gt(csatSurveys.expiresAt, new Date()),
        ),
      )
      .orderBy(desc(csatSurveys.createdAt))
      .limit(1)
      .for('update');
    if (!survey) return null;
    // Only an answer to the question itself: after another message to this address ("Reply 1 to
    // confirm" in a reminder), a bare number answers that one.
    const [latest] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.orgId, orgId),
          eq(messages.channel, message.channel),
          eq(messages.toAddress, message.from.address),
          eq(messages.direction, 'outbound'),
        ),
      )
      .orderBy(desc(messages.createdAt))
      .limit(1);
    if (latest?.id !== survey.questionMessageId) return null;
    const id = newId();
    const inserted = await tx
      .insert(messages)
      .values({
        id,
        orgId,
        conversationId: survey.conversationId,
        contactId: survey.contactId,
        direction: 'inbound',
        channel: message.channel,
        body: message.body,
        fromAddress: message.from.address,
        toAddress: message.toAddress ?? null,
        providerMessageId: message.providerMessageId,
        status: 'received',
        authorKind: 'patient',
        channelMeta: message.channelMeta ?? {},
        requestId,
        // Decided here: what staff read in the thread, and no triage job ever picks it up.
        triage: {
          intent: 'general',
          engine: 'csat',
          reasons: [`answer to the rating question: ${rating}`],
          findings: [`Rated the clinic ${rating} of 5`],
        },
      })
      .onConflictDoNothing({ target: [messages.channel, messages.providerMessageId] })
      .returning({ id: messages.id });
    // The provider sent this webhook before and it was stored then: nothing new.
    if (inserted.length === 0) return null;
    await tx
      .update(csatSurveys)
      .set({ rating, ratedAt: new Date(), answerMessageId: id })
      .where(eq(csatSurveys.id, survey.id));
    await writeAudit(tx, {
      orgId,
      actorKind: 'patient',
      actorId: survey.contactId,
      action: 'csat.rated',
      subjectType: 'conversation',
      subjectId: survey.conversationId,
      requestId,
      detail: { rating, channel: message.channel, messageId: id },
    });
    return {
      messageId: id,
      conversationId: survey.conversationId,
      contactId: survey.contactId,
      duplicate: false,
    };
  });
}
