import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { storeHubEvent } from '../conversations/hub-events';
import { FAILED_SEND_STATUSES } from '../outbound/send-failures';
import type { Transaction } from '../platform/db/database';
import { conversationSnoozes, conversations, messages } from '../platform/db/schema';
import { channelLabel } from '../policy/policy-engine';
import { isUrgency, URGENCY_RANK } from './urgency';

/**
 * After a patient's STOP, nobody can answer the conversation on that channel any more, so it leaves
 * the queue by itself: resolved, its SLA clock stopped, with a note saying why (returned, for the
 * STOP message's triage record that staff read in the thread). One marked urgent or an emergency
 * stays open: a STOP never hides a patient at risk, and staff can still call; so does one with a
 * failed send nobody has dealt with (the inbox counts those as work). Returns null when the
 * conversation was already resolved.
 */
export async function resolveAfterOptOut(
  tx: Transaction,
  input: { orgId: string; conversationId: string; messageId: string; channel: string },
): Promise<string | null> {
  const [current] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, input.conversationId), ne(conversations.status, 'resolved')))
    .for('no key update');
  if (!current) return null;
  const via = channelLabel(input.channel);
  if (isUrgency(current.urgency) && URGENCY_RANK[current.urgency] >= URGENCY_RANK.urgent) {
    return `left open although the patient opted out of ${via}: the conversation is marked ${current.urgency}; reach them another way`;
  }
  const [failed] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, current.id),
        eq(messages.direction, 'outbound'),
        inArray(messages.status, [...FAILED_SEND_STATUSES]),
        isNull(messages.retriedAs),
      ),
    )
    .limit(1);
  if (failed) {
    return `left open although the patient opted out of ${via}: a send here failed and nobody has dealt with it yet`;
  }
  await tx
    .update(conversations)
    .set({ status: 'resolved', resolvedAt: sql`now()`, slaDueAt: null, updatedAt: sql`now()` })
    .where(eq(conversations.id, current.id));
  await tx.delete(conversationSnoozes).where(eq(conversationSnoozes.conversationId, current.id));
  await storeHubEvent(tx, {
    orgId: input.orgId,
    type: 'conversation.updated',
    conversationId: current.id,
    messageId: input.messageId,
    queue: current.queue,
    payload: {
      change: 'resolved',
      status: 'resolved',
      queue: current.queue,
      assigneeId: current.assigneeId,
      priority: current.priority,
      urgency: current.urgency,
      slaDueAt: null,
      snoozedUntil: null,
      reason: 'patient_opted_out',
    },
  });
  return `conversation resolved by itself: the patient opted out of ${via}, so no reply can go there`;
}
