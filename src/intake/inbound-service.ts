import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { attributeCampaignReplies } from '../campaigns/reply-attribution';
import type {
  InboundMessage,
  InboundReceipt,
  InboundSink,
  RequestMeta,
  StatusReceipt,
  StatusUpdate,
  UndeliverableReport,
} from '../channel-port';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { carrierKeywordReply } from '../clinic/carrier-keyword-replies';
import type { OrganizationRow } from '../clinic/organization';
import { applyStatusUpdate, type MessageRow } from '../conversations/conversation-store';
import { textBackMissedCall } from '../outbound/missed-call-text-back';
import {
  type OutboundServiceDeps,
  outboxRows,
  PolicyRefused,
  planOutboundInTransaction,
} from '../outbound/outbound-service';
import { enqueueAfterCommit } from '../outbound/outbox-enqueue';
import { answerRefusedAttachments } from '../outbound/refused-attachment-reply';
import { writeAudit } from '../platform/audit/audit-log';
import { MicroBatcher } from '../platform/batching/micro-batcher';
import type { Database, Transaction } from '../platform/db/database';
import { contactIdentities, messages } from '../platform/db/schema';
import { storableDeep } from '../platform/db/storable-text';
import { isOptedOut, recordConsent } from '../policy/consent-ledger';
import { resolveAfterOptOut } from '../triage/opt-out-resolution';
import { sentence } from '../triage/triage-findings';
import type { TriageQueue } from '../triage/triage-worker';
import { type CarrierKeyword, parseCarrierKeyword } from './carrier-keywords';
import { findContactLanguage, findOutboundMessage } from './channel-lookups';
import { prepareInbound } from './inbound-preparation';
import { storeInboundBatch } from './inbound-store';
import { withSafeMedia } from './media-urls';
import { holdUnverifiedSender } from './unverified-senders';

export interface InboundServiceDeps {
  db: Database;
  org: OrganizationRow;
  channels: ChannelRegistry;
  logger: Logger;
  /**
   * The send pipeline: keyword confirmations, the answer to refused attachments and the missed-call
   * text-back are planned under policy like every other send.
   */
  outbound: OutboundServiceDeps;
  /** Where each newly stored message that needs triage is enqueued, after the commit. */
  triageQueue: Pick<TriageQueue, 'add'>;
  /** A reply this many days after a campaign's message carries its id (0: none). Default 7. */
  campaignReplyWindowDays?: number;
}

interface StoredInbound {
  receipt: InboundReceipt;
  replies: MessageRow[];
  keyword: CarrierKeyword | null;
}

/** The core side of every channel's webhooks: store first (in batches under load), act after commit. */
export function createInboundService(deps: InboundServiceDeps): InboundSink {
  const isKeywordCandidate = (message: InboundMessage) =>
    Boolean(
      deps.channels.get(message.channel)?.honoursCarrierKeywords &&
        // Cheap pre-check (as if opted out, so YES counts) before asking the ledger.
        parseCarrierKeyword(message.body, { optedOut: true }),
    );

  const storeBatch = async (
    items: { message: InboundMessage; meta: RequestMeta }[],
  ): Promise<StoredInbound[]> => {
    const toStore = items.map((i) => ({ message: i.message, requestId: i.meta.requestId }));
    const attribute = (db: Parameters<typeof attributeCampaignReplies>[0], receipts: InboundReceipt[]) =>
      attributeCampaignReplies(
        db,
        receipts.filter((r) => !r.duplicate).map((r) => r.messageId),
        deps.campaignReplyWindowDays ?? 7,
      );
    // The common case is one statement, its own transaction: one round trip per batch. A carrier
    // keyword needs the consent ledger written in the same transaction as the message. Campaign
    // replies are attributed by the triage job, in its transaction (src/triage/triage-job.ts): the
    // webhook's common path does no campaign work.
    if (!items.some((i) => isKeywordCandidate(i.message))) {
      const receipts = await storeInboundBatch(deps.db, deps.org.id, toStore);
      return receipts.map((receipt) => ({ receipt, replies: [], keyword: null }));
    }
    return deps.db.transaction(async (tx) => {
      const receipts = await storeInboundBatch(tx, deps.org.id, toStore);
      // A carrier keyword is never triaged: its campaign (a STOP answering a campaign) is marked here.
      await attribute(tx, receipts);
      const results: StoredInbound[] = [];
      for (const [index, receipt] of receipts.entries()) {
        const { message, meta } = items[index]!;
        if (receipt.duplicate || !isKeywordCandidate(message)) {
          results.push({ receipt, replies: [], keyword: null });
          continue;
        }
        const optedOut = await isOptedOut(tx, receipt.contactId, message.channel, 'care');
        const keyword = parseCarrierKeyword(message.body, { optedOut });
        const replies = keyword ? await handleCarrierKeyword(tx, deps, receipt, message, keyword, meta) : [];
        results.push({ receipt, replies, keyword });
      }
      return results;
    });
  };

  const batcher = new MicroBatcher(storeBatch, {
    maxBatch: 100,
    // One batch at a time: whatever arrives meanwhile waits for the next one. On two cores shared
    // with PostgreSQL a second concurrent batch only halves both batches: twice the statements,
    // round trips and socket writes for the same webhooks (measured: 2,100-2,200/s with two,
    // 2,450-2,700/s with one, with the p99 at 500/s no worse; see BENCHMARKS.md).
    concurrency: 1,
    onBatchError: (err, size) =>
      deps.logger.warn({ err, size }, 'inbound batch failed; storing its messages one by one'),
  });

  return {
    async receive(arrived, meta) {
      const adapter = deps.channels.get(arrived.channel);
      // Rules for every channel, before anything is looked up or stored: text PostgreSQL accepts (one
      // NUL in a body or a name used to fail the statement, losing the message and, in a batch, its
      // neighbours until the retry), media only at web addresses, and a sender the channel could
      // not authenticate filed apart from any patient.
      const storable = holdUnverifiedSender(withSafeMedia(storableDeep(arrived), adapter?.sandbox === true));
      if (storable.channelMeta?.mediaRefused) {
        deps.logger.warn(
          { requestId: meta.requestId, channel: storable.channel },
          'unsafe media URLs dropped',
        );
      }
      // Files stored, and the sender matched by thread (reply token, references), before the message.
      const prepared = await prepareInbound(deps.db, deps.org.id, storable, meta);
      const received = prepared.message;
      // Stored with the message, in the same statement, for triage to read as its context.
      const message = received.inReplyTo
        ? { ...received, channelMeta: { ...received.channelMeta, inReplyTo: received.inReplyTo } }
        : received;
      // Every reply, a bare rating too, is stored here; the triage job recognises a rating (src/csat).
      const { receipt, replies, keyword } = await batcher.submit({ message, meta });
      await prepared.afterStore(receipt);
      // The ids go with each line rather than into a child logger: a child per webhook costs its
      // bindings' serialization even when only one line is written.
      const ids = { requestId: meta.requestId, messageId: receipt.messageId };
      if (message.refusedAttachments?.length) {
        // Tells the sender their attachments were too large (src/outbound/refused-attachment-reply),
        // for duplicates too: it answers once. Awaited, so the answer is in the outbox before the
        // provider is acknowledged; a failure is logged, not answered with an error: the message
        // itself is stored.
        await answerRefusedAttachments(deps.outbound, deps.org, message, receipt, meta).catch((err) =>
          deps.logger.error({ ...ids, err }, 'answer to refused attachments failed'),
        );
      }
      if (receipt.duplicate) {
        deps.logger.info({ ...ids, channel: message.channel }, 'duplicate inbound webhook; already stored');
        return receipt;
      }
      deps.logger.info({ ...ids, channel: message.channel, keyword }, 'inbound message stored');
      if (replies.length > 0) await enqueueAfterCommit(deps.outbound, replies);
      if (!keyword) {
        // Triage runs after the webhook is answered. Not awaited: the provider's acknowledgement
        // must not wait on Redis. The message is committed, and a lost enqueue is found again by
        // the triage sweeper.
        void deps.triageQueue
          .add([{ messageId: receipt.messageId, requestId: meta.requestId }])
          .catch((err) => deps.logger.warn({ ...ids, err }, 'post-store hook failed'));
      }
      return receipt;
    },

    contactLanguage: (from) => findContactLanguage(deps.db, deps.org.id, from),

    outboundMessage: (channel, messageId) => findOutboundMessage(deps.db, deps.org.id, channel, messageId),

    /** A call stored as missed (no choice, no voicemail): texts the caller back under policy. */
    missedCall: (report, meta) => textBackMissedCall(deps.outbound, deps.org, report, meta),

    /**
     * A hard bounce: the address is marked undeliverable (policy then falls back to another channel)
     * and the message it answers becomes `undelivered`. Only acted on when the message really is our
     * outbound message to that very address; anything else is logged and ignored.
     */
    async markUndeliverable(report: UndeliverableReport, meta: RequestMeta): Promise<void> {
      const marked = await deps.db.transaction(async (tx) => {
        const [message] = await tx
          .select()
          .from(messages)
          .where(
            and(
              eq(messages.id, report.messageId),
              eq(messages.direction, 'outbound'),
              eq(messages.channel, report.channel),
              eq(messages.toAddress, report.address),
            ),
          );
        if (!message) return null;
        await tx
          .update(contactIdentities)
          .set({ undeliverableAt: sql`now()` })
          .where(
            and(
              eq(contactIdentities.contactId, message.contactId),
              eq(contactIdentities.kind, report.kind),
              eq(contactIdentities.address, report.address),
            ),
          );
        await applyStatusUpdate(tx, {
          channel: report.channel,
          providerMessageId: message.providerMessageId ?? `bounce:${message.id}`,
          status: 'undelivered',
          providerStatus: report.providerStatus,
          errorCode: report.providerStatus,
        });
        await writeAudit(tx, {
          orgId: message.orgId,
          actorKind: 'provider',
          action: 'identity.undeliverable',
          subjectType: 'contact',
          subjectId: message.contactId,
          requestId: meta.requestId,
          detail: {
            channel: report.channel,
            kind: report.kind,
            messageId: message.id,
            status: report.providerStatus,
          },
        });
        return message.id;
      });
      const log = deps.logger.child({ requestId: meta.requestId, messageId: report.messageId });
      if (marked)
        log.info({ channel: report.channel, status: report.providerStatus }, 'address marked undeliverable');
      else
        log.warn(
          { channel: report.channel },
          'bounce for a message that was not sent to that address; ignored',
        );
    },

    async applyStatus(update: StatusUpdate, meta: RequestMeta): Promise<StatusReceipt> {
      const receipt = await deps.db.transaction((tx) => applyStatusUpdate(tx, update));
      const log = deps.logger.child({ requestId: meta.requestId, messageId: receipt.messageId });
      if (!receipt.messageId)
        log.warn(
          { channel: update.channel, status: update.status },
          'status for an unknown provider id; kept',
        );
      else log.info({ status: update.status, applied: receipt.applied }, 'status callback');
      return receipt;
    },
  };
}

/**
 * STOP/START/HELP: ledger entry, one confirmation planned under policy (which lets a STOP's
 * confirmation through the opt-out it confirms, once), and the decision recorded on the message; a STOP resolves its conversation.
 */
async function handleCarrierKeyword(
  tx: Transaction,
  deps: InboundServiceDeps,
  receipt: InboundReceipt,
  message: InboundMessage,
  keyword: CarrierKeyword,
  meta: RequestMeta,
): Promise<MessageRow[]> {
  if (keyword !== 'help') {
    const status = keyword === 'opt_out' ? 'opted_out' : 'opted_in';
    await recordConsent(tx, {
      orgId: deps.org.id,
      contactId: receipt.contactId,
      channel: message.channel,
      purpose: 'all',
      status,
      source: 'carrier_keyword',
      evidenceMessageId: receipt.messageId,
    });
    await writeAudit(tx, {
      orgId: deps.org.id,
      actorKind: 'patient',
      actorId: receipt.contactId,
      action: `consent.${keyword}`,
      subjectType: 'contact',
      subjectId: receipt.contactId,
      requestId: meta.requestId,
      detail: { channel: message.channel, messageId: receipt.messageId },
    });
  }
  // A STOP closes the conversation it was sent in (unless it is urgent); the note says why.
  const resolution =
    keyword === 'opt_out'
      ? await resolveAfterOptOut(tx, {
          orgId: deps.org.id,
          conversationId: receipt.conversationId,
          messageId: receipt.messageId,
          channel: message.channel,
        })
      : null;
  await tx
    .update(messages)
    .set({
      triage: {
        intent: keyword,
        engine: 'carrier-keyword',
        reasons: [
          `single-word carrier keyword (${keyword.replace('_', '-')})`,
          ...(resolution ? [resolution] : []),
        ],
        // For staff: the word the patient sent; the opt-out resolution is already a sentence.
        findings: [
          `Sent the keyword ${message.body.trim().toUpperCase()}`,
          ...(resolution ? [sentence(resolution)] : []),
        ],
      },
    })
    .where(eq(messages.id, receipt.messageId));

  try {
    const planned = await planOutboundInTransaction(tx, deps.outbound, {
      orgId: deps.org.id,
      contactId: receipt.contactId,
      conversationId: receipt.conversationId,
      initiator: 'carrier_keyword_reply',
      requestedChannel: message.channel,
      answers: { channel: message.channel, messageId: receipt.messageId, carrierKeyword: keyword },
      content: {
        body: carrierKeywordReply(keyword, deps.org),
        sensitivity: 'public',
        purpose: 'administrative',
      },
      automation: `${keyword}_confirmation`,
      requestId: meta.requestId,
    });
    return outboxRows(planned);
  } catch (error) {
    // Refused (no deliverable address): the refusal is audited; the keyword itself stands.
    if (error instanceof PolicyRefused) return [];
    throw error;
  }
}
