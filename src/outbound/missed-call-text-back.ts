import { and, eq, sql } from 'drizzle-orm';
import type { MissedCallOutcome, RequestMeta } from '../channel-port';
import { messages } from '../platform/db/schema';
import { type OutboundServiceDeps, PolicyRefused, planOutbound } from './outbound-service';

export const MISSED_CALL_TEMPLATE = 'missed-call-text-back';

/**
 * A caller hung up before choosing anything or leaving a voicemail (the call is stored as inbound
 * message `messageId`): text them back through the normal pipeline (policy, template, outbox), so
 * an SMS opt-out, quiet hours and the template's rules all apply.
 *
 * At most one text-back per missed call: the missed-call message is claimed first (an atomic
 * update of its channel_meta), then the send is planned. A crash between the two leaves the claim
 * and no text-back: never twice, like every other send (see README, Limits).
 */
export async function textBackMissedCall(
  deps: OutboundServiceDeps,
  org: { id: string; name: string },
  report: { messageId: string },
  meta: RequestMeta,
): Promise<MissedCallOutcome> {
  const log = deps.logger.child({ requestId: meta.requestId, messageId: report.messageId });
  const [claimed] = await deps.db
    .update(messages)
    .set({
      channelMeta: sql`${messages.channelMeta} || jsonb_build_object('textBack', jsonb_build_object('status', 'claimed'))`,
    })
    .where(
      and(
        eq(messages.id, report.messageId),
        eq(messages.orgId, org.id),
        eq(messages.direction, 'inbound'),
        sql`${messages.channelMeta} -> 'textBack' is null`,
      ),
    )
    .returning({
      contactId: messages.contactId,
      conversationId: messages.conversationId,
      channel: messages.channel,
    });
  if (!claimed) {
    const [existing] = await deps.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.id, report.messageId), eq(messages.orgId, org.id)));
    return { textBack: existing ? 'already_handled' : 'not_found' };
  }

  const record = (outcome: Record<string, unknown>) =>
    deps.db
      .update(messages)
      .set({
        channelMeta: sql`${messages.channelMeta} || jsonb_build_object('textBack', ${JSON.stringify(outcome)}::jsonb)`,
      })
      .where(eq(messages.id, report.messageId));
  try {
    const { outcome } = await planOutbound(
      deps,
      {
        orgId: org.id,
        contactId: claimed.contactId,
        conversationId: claimed.conversationId,
        initiator: 'automated',
        // Where the call's channel sends its automatic replies, as it declares (voice: SMS, since
        // the caller has hung up; see channels/voice).
        requestedChannel: deps.channels.replyChannelFor(claimed.channel) ?? claimed.channel,
        content: { template: MISSED_CALL_TEMPLATE, variables: { clinicName: org.name } },
        requestId: meta.requestId,
      },
      { dryRun: false },
    );
    const textBackId = outcome!.message.id;
    // Says why the hub sent it when no person did, like the other automatic messages.
    await deps.db
      .update(messages)
      .set({ automation: 'missed_call_text_back' })
      .where(eq(messages.id, textBackId));
    await record({ status: 'planned', messageId: textBackId });
    log.info({ textBackId }, 'missed call: text-back planned');
    return { textBack: 'planned', messageId: textBackId };
  } catch (error) {
    if (error instanceof PolicyRefused) {
      await record({ status: 'refused', code: error.code });
      log.info({ code: error.code }, 'missed call: text-back refused by policy');
      return { textBack: 'refused', code: error.code };
    }
    await record({ status: 'error' });
    throw error;
  }
}
