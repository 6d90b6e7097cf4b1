import { eq } from 'drizzle-orm';
import { csatSettings } from '../clinic/csat-settings';
import { lastInboundChannel, type MessageRow } from '../conversations/conversation-store';
import {
  type OutboundServiceDeps,
  outboxRows,
  PolicyRefused,
  planOutboundInTransaction,
} from '../outbound/outbound-service';
import { enqueueAfterCommit } from '../outbound/outbox-enqueue';
import type { Transaction } from '../platform/db/database';
import { type CsatSettings, csatSurveys } from '../platform/db/schema';

export const CSAT_TEMPLATE = 'satisfaction-survey';
/** The `automation` the question is stored with. */
export const CSAT_AUTOMATION = 'csat';

/** What asking needs: the send pipeline and the clinic's live settings (its name and `csat`). */
export interface CsatDeps {
  outbound: OutboundServiceDeps;
  clinic: { readonly name: string; readonly csat: CsatSettings | null };
}

/**
 * A conversation being resolved, in the resolving transaction: when the clinic asks for ratings,
 * plans "How did we do? Reply 1-5" on the channel the patient last wrote on, through planOutbound
 * like every send (consent, quiet hours and the channel's ceiling apply), and records the question
 * so a bare number in reply is read as the rating. Once per conversation (a unique row); a
 * conversation the patient never wrote in, or a send the policy refuses, is not asked. Returns the
 * rows to enqueue after the commit (the outbox sweeper sends them if that enqueue is lost).
 */
export async function askOnResolve(
  tx: Transaction,
  deps: CsatDeps,
  conversation: { id: string; orgId: string; contactId: string },
  requestId: string,
): Promise<MessageRow[]> {
  const settings = csatSettings(deps.clinic.csat);
  if (!settings.enabled) return [];
  const [asked] = await tx
    .select({ id: csatSurveys.id })
    .from(csatSurveys)
    .where(eq(csatSurveys.conversationId, conversation.id));
  if (asked) return [];
  const channel = await lastInboundChannel(tx, conversation.id);
  if (!channel) return [];
  try {
    // A savepoint: whatever goes wrong with the question, the conversation is still resolved.
    return await tx.transaction(async (sp) => {
      const outcome = await planOutboundInTransaction(sp, deps.outbound, {
        orgId: conversation.orgId,
        contactId: conversation.contactId,
        conversationId: conversation.id,
        initiator: 'automated',
        requestedChannel: channel,
        automation: CSAT_AUTOMATION,
        content: { template: CSAT_TEMPLATE, variables: { clinicName: deps.clinic.name } },
        requestId,
      });
      const question = outcome.message;
      // Counted from when it goes: quiet hours may hold it until morning.
      const sentAt = question.scheduledFor ?? new Date();
      await sp.insert(csatSurveys).values({
        orgId: conversation.orgId,
        conversationId: conversation.id,
        contactId: conversation.contactId,
        questionMessageId: question.id,
        channel: question.channel,
        address: question.toAddress ?? '',
        expiresAt: new Date(sentAt.getTime() + settings.windowHours * 3_600_000),
      });
      return outboxRows(outcome);
    });
  } catch (err) {
    // A refusal is the policy's answer (opted out, no address); anything else is a fault to see.
    if (!(err instanceof PolicyRefused))
      deps.outbound.logger.error({ err, requestId }, 'rating question not planned; resolved without it');
    return [];
  }
}

/** Enqueues the questions planned in a committed transaction. */
export const sendQuestions = (deps: CsatDeps, rows: MessageRow[]) =>
  rows.length > 0 ? enqueueAfterCommit(deps.outbound, rows) : Promise.resolve();
