import type { TwilioClient } from '../../providers/twilio/twilio-client';
import { toSendError } from '../../providers/twilio/twilio-requests';
import type { ReconcileRequest, ReconcileResult, SendResult } from '../../src/channel-port';
import { mapTwilioStatus } from './twilio-status';

/** Our clock and Twilio's may differ a little: a message created slightly "before" the row is still ours. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** Enough pages for one patient's messages from one clinic number in a send's window. */
const MAX_RECORDS = 500;

/**
 * Asks Twilio whether it accepted one of our messages whose send's answer was lost: the Message list
 * resource filtered by To, From and DateSent (from when the outbox row was written), matched on the
 * body and the creation time. Twilio has no idempotency key for message creation, so this is how
 * "did it go?" is answered. A message Twilio accepted but still holds in its own queue has no
 * DateSent yet and is not listed; its status callback (which names our message id) adopts it when
 * Twilio sends it, but a resend decided before then would make a second copy. The lease (well past
 * Twilio's answer time) makes that window small, not empty.
 */
export async function findSentMessage(
  client: TwilioClient,
  request: ReconcileRequest & { from: string },
): Promise<ReconcileResult> {
  const since = new Date(request.notBefore.getTime() - CLOCK_SKEW_MS);
  let records: Awaited<ReturnType<TwilioClient['messages']['list']>>;
  try {
    records = await client.messages.list({
      to: request.to,
      from: request.from,
      dateSentAfter: since,
      pageSize: 100,
      limit: MAX_RECORDS,
    });
  } catch (error) {
    throw toSendError(error);
  }
  const sends: SendResult[] = records
    .filter((record) => request.isSameText(record.body) && record.dateCreated.getTime() >= since.getTime())
    .filter((record) => record.direction.startsWith('outbound'))
    .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())
    .map((record) => ({
      providerMessageId: record.sid,
      status: mapTwilioStatus(record.status) ?? 'queued',
      channelMeta: { reconciled: true },
    }));
  return sends.length > 0 ? { kind: 'accepted', sends } : { kind: 'absent' };
}
