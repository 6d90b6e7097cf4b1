import { createHash } from 'node:crypto';
import { and, desc, eq, exists, lt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Logger } from 'pino';
import { attributeCampaignReplies } from '../campaigns/reply-attribution';
import { lockUndecided, type MessageRow, staffReplySince } from '../conversations/conversation-store';
import { type HubEvent, storeHubEvent } from '../conversations/hub-events';
import { recordRatingAnswer } from '../csat/csat-answers';
import {
  type OutboundRequest,
  type OutboundServiceDeps,
  outboxRows,
  PolicyRefused,
  planOutboundInTransaction,
} from '../outbound/outbound-service';
import { enqueueAfterCommit } from '../outbound/outbox-enqueue';
import { auditInsert, writeAudit } from '../platform/audit/audit-log';
import type { Database, Transaction } from '../platform/db/database';
import {
  type AcknowledgementSettings,
  appointments,
  contacts,
  conversations,
  messages,
} from '../platform/db/schema';
import { isOptedOut, recordConsent } from '../policy/consent-ledger';
import {
  ACKNOWLEDGEMENT,
  ACKNOWLEDGEMENT_TEMPLATE,
  acknowledgementDue,
  acknowledgementSettings,
  clinicWording,
  replyHours,
} from './acknowledgement';
import { OPT_OUT_SET_ASIDE, type TriageContext, type TriageResult, TriageThreadError } from './index';
import { higherUrgency, isUrgency, SLA_MINUTES, URGENCY_RANK } from './urgency';

/** One message to triage, and the request that stored it (joins the logs). */
export interface TriageItem {
  messageId: string;
  requestId?: string;
}

/**
 * Data of an `inbound-triage` job. Messages enqueued together (under load: those of the webhooks
 * stored meanwhile) travel in one job, `more` after the first: one Redis write per batch instead of
 * one per message. Each is triaged on its own, and a message already decided is skipped.
 */
export interface TriageJobData extends TriageItem {
  more?: TriageItem[];
}

/** The messages of a job, in the order they were stored. */
export function triageItems(data: TriageJobData): TriageItem[] {
  return [{ messageId: data.messageId, requestId: data.requestId }, ...(data.more ?? [])];
}

/**
 * The job id: the message id for a job of one message, so enqueueing it again (the sweeper) adds
 * nothing. A packed job gets an id of its own: were it named after its first message, a job still
 * waiting for that message alone would make Redis drop the whole pack, the others with it.
 */
export function triageJobId(data: TriageJobData): string {
  if (!data.more?.length) return data.messageId;
  const ids = triageItems(data).map((item) => item.messageId);
  return `pack-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32)}`;
}

/** Packs the jobs added together into one job carrying all their messages. */
export function packTriageJobs(jobs: TriageJobData[]): TriageJobData {
  const [first, ...rest] = jobs.flatMap(triageItems);
  if (!first) throw new Error('packTriageJobs needs at least one job');
  return rest.length > 0 ? { ...first, more: rest } : first;
}

export interface TriageJobDeps {
  db: Database;
  classify(text: string, context: TriageContext): Promise<TriageResult>;
  /** The send pipeline: automatic replies are planned under policy like every other send. */
  outbound: OutboundServiceDeps;
  /**
   * `crisisLine` is named by the emergency safety reply (988 in the US unless the clinic sets
   * another); `acknowledgement` is the clinic's "we got your message" setting (null: defaults, off).
   */
  clinic: { name: string; crisisLine: string; acknowledgement?: AcknowledgementSettings | null };
  logger: Logger;
  /** A reply this many days after a campaign's message carries its id (0: none). Default 7. */
  campaignReplyWindowDays?: number;
  /** The channel automatic replies to a message from `channel` go on, when not that one (voice -> sms). */
  replyChannelOf?(channel: string): string | undefined;
  /** A decision the message's channel already knows (a phone-menu key), taken instead of classifying. */
  presetTriage?(message: MessageRow, context: TriageContext): TriageResult | null;
}

export type TriageOutcome =
  | { kind: 'skipped'; reason: 'not_found' | 'not_inbound' | 'already_triaged' }
  /** A bare answer to the rating question: recorded as the rating (src/csat), not triaged. */
  | { kind: 'rated'; rating: number }
  | { kind: 'routed'; result: StoredTriage };

/** What is stored on the message: the classifier's result plus what routing did with it. */
export interface StoredTriage extends Omit<TriageResult, 'urgency'> {
  urgency: TriageResult['urgency'];
  actions: string[];
  /** True when the classifier failed and the message was routed to front desk for a person to read. */
  flagged?: boolean;
  decidedAt: string;
}

/** A reply to an outbound message this old or older is no longer read as an answer to it. */
const CONTEXT_WINDOW_HOURS = 72;
/** A free-text opt-out ("please stop texting me") is honoured only when the classifier is this sure. */
const OPT_OUT_MIN_CONFIDENCE = 0.85;

/**
 * Classifies one inbound message and applies the result. Runs after the webhook was answered, so a
 * slow or failing classifier never delays or loses a message. Safe to run twice: a message that
 * already carries a decision is left alone.
 */
export async function execTriageJob(
  deps: TriageJobDeps,
  data: TriageItem,
  /** False while the job has attempts left: triage that could not run then fails the job for a retry. */
  lastAttempt = true,
): Promise<TriageOutcome> {
  const log = deps.logger.child({ messageId: data.messageId, requestId: data.requestId });
  const read = await readMessage(deps.db, data.messageId);
  if (!read) return { kind: 'skipped', reason: 'not_found' };
  const { message } = read;
  if (message.direction !== 'inbound') return { kind: 'skipped', reason: 'not_inbound' };
  if (message.triage) return { kind: 'skipped', reason: 'already_triaged' };
  // A bare 1-5 from someone just asked "How did we do?" is the rating: recorded with its own
  // decision, never classified, routed or answered, and the rated conversation stays as it was.
  const rated = await recordRatingAnswer(deps.db, message);
  if (rated) {
    log.info({ conversationId: rated.conversationId }, 'rating recorded');
    return { kind: 'rated', rating: rated.rating };
  }

  const answered = await answeredOutbound(deps.db, message);
  const previous = answered ?? recentEnough(message, read.lastOutbound);
  const context: TriageContext = {
    lastOutboundTemplate: previous?.templateId ?? undefined,
    language: read.language ?? undefined,
  };
  // Automatic replies to a call go by text: the caller has hung up by the time triage runs.
  const replyChannel = deps.replyChannelOf?.(message.channel) ?? message.channel;

  let result: TriageResult;
  let flagged = false;
  const preset = deps.presetTriage?.(message, context) ?? null;
  try {
    result = preset ?? (await deps.classify(message.body, context));
  } catch (err) {
    // A thread that died or hung says nothing about the message: try again before giving up on it.
    if (err instanceof TriageThreadError && !lastAttempt) throw err;
    log.error({ err }, 'triage failed; routing to front desk for a person');
    flagged = true;
    result = {
      intent: 'general',
      urgency: 'routine',
      confidence: 0,
      queue: 'front-desk',
      engine: 'fallback',
      reasons: ['triage failed; routed to front desk for a person to read'],
      findings: ['Triage could not read it: the front desk reads it'],
      version: 'none',
      language: 'unknown',
      // Nobody read it: treated as possibly clinical, so nothing is written to the consent ledger.
      clinicalContent: true,
    };
  }

  const { stored, replies } = await deps.db
    .transaction(async (tx) => {
      // Only the first run writes a decision (BullMQ may run a job twice): lock the undecided row or stop.
      if (!(await lockUndecided(tx, message.id))) tx.rollback();
      // The campaign this reply answers, here rather than on the webhook's path: the webhook stores
      // and answers, and the reply is attributed with its decision (carrier keywords, never
      // triaged, are attributed in their own transaction by src/intake/inbound-service.ts).
      await attributeCampaignReplies(tx, [message.id], deps.campaignReplyWindowDays ?? 7);
      const actions: string[] = [];
      const replies: MessageRow[] = [];
      if (answered?.appointmentId) {
        // The channel knew which message this answers (a key pressed in a reminder call): tie it.
        await tx
          .update(messages)
          .set({ appointmentId: answered.appointmentId })
          .where(eq(messages.id, message.id));
      }
      // A reply with no words to read ("2", a key pressed in a call) is answered in the language on file.
      const replyLanguage = result.language !== 'unknown' ? result.language : context.language;
      // Automatic replies go through the one gate (planOutbound) in this transaction: written with
      // the decision they belong to, or not at all.
      const reply = async (
        automation: string,
        send: Pick<OutboundRequest, 'initiator' | 'urgent' | 'content' | 'appointmentId'>,
      ) => {
        try {
          const planned = await planOutboundInTransaction(tx, deps.outbound, {
            ...send,
            orgId: message.orgId,
            contactId: message.contactId,
            conversationId: message.conversationId,
            requestedChannel: replyChannel,
            answers: { channel: message.channel, messageId: message.id },
            automation,
            requestId: message.requestId ?? data.requestId ?? `triage:${message.id}`,
          });
          replies.push(...outboxRows(planned));
          actions.push(`sent ${automation}`);
        } catch (error) {
          if (!(error instanceof PolicyRefused)) throw error;
          actions.push(`could not send ${automation}: ${error.code}`);
        }
      };

      if (result.intent === 'emergency') {
        // The policy sets aside an opt-out on the channel the patient wrote on for this reply only
        // (policy-engine.ts, optOutSetAside), and quiet hours never hold it.
        await reply('emergency_safety_reply', {
          initiator: 'emergency_safety',
          content: {
            template: 'emergency-safety-reply',
            locale: replyLanguage,
            variables: { clinicName: deps.clinic.name, crisisLine: deps.clinic.crisisLine },
          },
        });
      }
      if (
        (result.intent === 'confirm' || result.intent === 'cancel') &&
        previous?.appointmentId &&
        result.engine === 'context'
      ) {
        const when = await settleAppointment(tx, previous.appointmentId, result.intent);
        if (when) {
          actions.push(`appointment ${result.intent === 'confirm' ? 'confirmed' : 'cancelled'}`);
          // Urgent: it answers what the patient just wrote, so quiet hours do not hold it.
          await reply(`appointment_${result.intent === 'confirm' ? 'confirmed' : 'cancelled'}`, {
            initiator: 'automated',
            urgent: true,
            appointmentId: previous.appointmentId,
            content: {
              template: result.intent === 'confirm' ? 'appointment-confirmed' : 'appointment-cancelled',
              locale: replyLanguage,
              variables: {
                clinicName: deps.clinic.name,
                appointmentTime: when.appointmentTime.toISOString(),
                location: when.location,
              },
            },
          });
        }
      }
      if (result.intent === 'reschedule' && previous?.appointmentId) {
        await tx
          .update(appointments)
          .set({ status: 'reschedule_requested', updatedAt: sql`now()` })
          .where(eq(appointments.id, previous.appointmentId));
        actions.push('appointment marked reschedule_requested');
      }
      // A free-text opt-out is honoured only from a message that says nothing clinical or about risk:
      // "stop texting me, everyone would be better off without me" must never silence the clinic.
      const optOut = result.intent === 'opt_out' && result.confidence >= OPT_OUT_MIN_CONFIDENCE && !flagged;
      // Triage itself sets aside an opt-out said beside clinical or risk content (the intent is then the
      // clinical one): the ledger is left alone and staff are told, as for any opt-out not recorded.
      const setAside = result.reasons.some((r) => r.startsWith(OPT_OUT_SET_ASIDE));
      if (setAside || (optOut && result.clinicalContent)) {
        actions.push(
          'free-text opt-out not recorded: the message has clinical or risk content; staff to confirm',
        );
      }
      // The classifier alone is sure of "stop texting me at night" or "stop texting my husband" too:
      // silence is written only when the message says it in an opt-out phrase (intents/opt-out.yaml).
      const saidInAPhrase = result.engine === 'keyword';
      if (optOut && !result.clinicalContent && !saidInAPhrase) {
        actions.push(
          'free-text opt-out not recorded: no opt-out phrase, only the classifier; staff to confirm',
        );
      }
      if (optOut && !result.clinicalContent && saidInAPhrase) {
        if (!(await isOptedOut(tx, message.contactId, message.channel, 'care'))) {
          await recordConsent(tx, {
            orgId: message.orgId,
            contactId: message.contactId,
            channel: message.channel,
            purpose: 'all',
            status: 'opted_out',
            source: 'triage',
            evidenceMessageId: message.id,
            note: `free-text opt-out (confidence ${result.confidence})`,
          });
          await writeAudit(tx, {
            orgId: message.orgId,
            actorKind: 'patient',
            actorId: message.contactId,
            action: 'consent.opt_out',
            subjectType: 'contact',
            subjectId: message.contactId,
            requestId: data.requestId,
            detail: { channel: message.channel, messageId: message.id, source: 'triage' },
          });
          actions.push(`opted out of ${message.channel} (free-text request)`);
        }
      }

      // Routing takes the conversation's row lock, which the acknowledgement's window check needs.
      await routeConversation(tx, message, result);
      // Every routine to urgent message is answered, once per conversation in the clinic's window.
      const acknowledgement = acknowledgementSettings(deps.clinic.acknowledgement);
      const acknowledge = await acknowledgementDue(tx, {
        settings: acknowledgement,
        result,
        alreadyAnswered: replies.length > 0,
        conversationId: message.conversationId,
        now: new Date(),
      });
      if (acknowledge) {
        // Urgent: it answers what the patient just wrote, so quiet hours do not hold it.
        const wording = clinicWording(acknowledgement, replyLanguage);
        await reply(ACKNOWLEDGEMENT, {
          initiator: 'automated',
          urgent: true,
          content: wording
            ? { body: wording, sensitivity: 'public', purpose: 'care' }
            : {
                template: ACKNOWLEDGEMENT_TEMPLATE,
                locale: replyLanguage,
                variables: { clinicName: deps.clinic.name, replyHours: replyHours(result.urgency) },
              },
        });
      }

      const decided: StoredTriage = {
        ...result,
        actions,
        ...(flagged ? { flagged } : {}),
        decidedAt: new Date().toISOString(),
      };
      const decide = tx
        .update(messages)
        .set({ triage: decided as unknown as Record<string, unknown> })
        .where(eq(messages.id, message.id));
      const audit = auditInsert([
        {
          orgId: message.orgId,
          actorKind: 'system',
          action: 'triage.decided',
          subjectType: 'message',
          subjectId: message.id,
          requestId: data.requestId,
          detail: {
            intent: result.intent,
            urgency: result.urgency,
            queue: result.queue,
            engine: result.engine,
            actions,
          },
        },
      ]);
      // The decision and its audit row in one statement (a data-modifying WITH runs whether or not
      // it is read): each statement costs the hub's main thread more than the database (issue 16).
      await tx.execute(sql`with decided as (${decide.getSQL()}) ${audit}`);
      let event: (HubEvent & { id: number }) | null = null;
      if (URGENCY_RANK[result.urgency] >= URGENCY_RANK.urgent) {
        const escalation: HubEvent = {
          orgId: message.orgId,
          type: 'triage.escalated',
          conversationId: message.conversationId,
          messageId: message.id,
          queue: result.queue,
          payload: { intent: result.intent, urgency: result.urgency, reasons: result.reasons },
        };
        event = { ...escalation, id: await storeHubEvent(tx, escalation) };
      }
      return { stored: decided, replies, event };
    })
    .catch((err: unknown) => {
      if (isRollback(err)) return { stored: null, replies: [], event: null };
      throw err;
    });

  if (!stored) return { kind: 'skipped', reason: 'already_triaged' };
  if (replies.length > 0) await enqueueAfterCommit(deps.outbound, replies);
  log.info(
    { intent: stored.intent, urgency: stored.urgency, queue: stored.queue, engine: stored.engine },
    'message triaged',
  );
  return { kind: 'routed', result: stored };
}

function isRollback(err: unknown): boolean {
  return err instanceof Error && err.name === 'TransactionRollbackError';
}

/**
 * The outbound message the channel says this one answers (`channelMeta.inReplyTo`, see the port's
 * InboundMessage.inReplyTo), when it went to the same contact recently enough to be its context.
 */
async function answeredOutbound(db: Database, message: MessageRow) {
  const id = message.channelMeta?.inReplyTo;
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db
    .select({
      templateId: messages.templateId,
      appointmentId: messages.appointmentId,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.id, id),
        eq(messages.contactId, message.contactId),
        eq(messages.direction, 'outbound'),
        lt(messages.createdAt, message.createdAt),
      ),
    );
  if (!row) return null;
  const ageHours = (message.createdAt.getTime() - row.createdAt.getTime()) / 3_600_000;
  return ageHours <= CONTEXT_WINDOW_HOURS ? row : null;
}

interface OutboundContext {
  templateId: string | null;
  appointmentId: string | null;
  createdAt: Date;
}

function recentEnough(message: MessageRow, row: OutboundContext | null): OutboundContext | null {
  if (!row) return null;
  const ageHours = (message.createdAt.getTime() - row.createdAt.getTime()) / 3_600_000;
  return ageHours <= CONTEXT_WINDOW_HOURS ? row : null;
}

const previousMessage = alias(messages, 'previous');

/**
 * The message, its contact's language and the last message the hub sent in its conversation before
 * it (its context when recent enough), in one statement: each statement costs the hub's main thread
 * more to build and parse than the database takes to answer it (issue 16).
 */
async function readMessage(
  db: Database,
  id: string,
): Promise<{ message: MessageRow; language: string | null; lastOutbound: OutboundContext | null } | null> {
  const lastOutbound = db
    .select({
      templateId: previousMessage.templateId,
      appointmentId: previousMessage.appointmentId,
      createdAt: previousMessage.createdAt,
    })
    .from(previousMessage)
    .where(
      and(
        eq(previousMessage.conversationId, messages.conversationId),
        eq(previousMessage.direction, 'outbound'),
        lt(previousMessage.createdAt, messages.createdAt),
      ),
    )
    .orderBy(desc(previousMessage.createdAt))
    .limit(1)
    .as('last_outbound');
  const [row] = await db
    .select({
      message: messages,
      language: contacts.language,
      previousTemplateId: lastOutbound.templateId,
      previousAppointmentId: lastOutbound.appointmentId,
      previousCreatedAt: lastOutbound.createdAt,
    })
    .from(messages)
    .leftJoin(contacts, eq(contacts.id, messages.contactId))
    .leftJoinLateral(lastOutbound, sql`true`)
    .where(eq(messages.id, id));
  if (!row) return null;
  return {
    message: row.message,
    language: row.language,
    lastOutbound: row.previousCreatedAt
      ? {
          templateId: row.previousTemplateId,
          appointmentId: row.previousAppointmentId,
          createdAt: row.previousCreatedAt,
        }
      : null,
  };
}

/**
 * Queue, urgency, priority and SLA. A conversation only moves to a new queue when the new message is
 * at least as urgent as what it already carries: "thanks" after an emergency stays with the nurses.
 */
async function routeConversation(tx: Transaction, message: MessageRow, result: TriageResult): Promise<void> {
  const conversationId = message.conversationId;
  const [current] = await tx
    .select({ queue: conversations.queue, urgency: conversations.urgency, priority: conversations.priority })
    .from(conversations)
    .where(eq(conversations.id, conversationId))
    // NO KEY UPDATE, not UPDATE: a message being written into this conversation holds the foreign
    // key's KEY SHARE lock, which FOR UPDATE waits on (a deadlock with that writer's own update).
    .for('no key update');
  if (!current) return;
  const currentUrgency = isUrgency(current.urgency) ? current.urgency : 'routine';
  const urgency = higherUrgency(currentUrgency, result.urgency);
  const moves = URGENCY_RANK[result.urgency] >= URGENCY_RANK[currentUrgency];
  const due = new Date(Date.now() + SLA_MINUTES[result.urgency] * 60_000);
  // The message starts (or shortens) the SLA clock, unless staff already answered it: a running
  // clock keeps the earlier due time; a reply written before triage got here leaves it stopped.
  // Read in the update, under the row lock taken above, rather than in a statement of its own.
  const answered = exists(
    tx.select({ id: messages.id }).from(messages).where(staffReplySince(conversationId, message.createdAt)),
  );
  const dueAt = sql`${due.toISOString()}::timestamptz`;
  await tx
    .update(conversations)
    .set({
      urgency,
      priority: URGENCY_RANK[urgency],
      slaDueAt: sql`case when ${answered} or ${conversations.slaDueAt} < ${dueAt} then ${conversations.slaDueAt} else ${dueAt} end`,
      updatedAt: sql`now()`,
      ...(moves ? { queue: result.queue } : {}),
    })
    .where(eq(conversations.id, conversationId));
  const queue = moves ? result.queue : current.queue;
  if (queue !== current.queue || urgency !== current.urgency || URGENCY_RANK[urgency] !== current.priority) {
    await storeHubEvent(tx, {
      orgId: message.orgId,
      type: 'conversation.updated',
      conversationId,
      messageId: message.id,
      queue,
      payload: { queue, previousQueue: current.queue, urgency, priority: URGENCY_RANK[urgency] },
    });
  }
}

/** Confirms or cancels a scheduled appointment; returns its time, or null when it was not open to that. */
async function settleAppointment(
  tx: Transaction,
  appointmentId: string,
  intent: 'confirm' | 'cancel',
): Promise<{ appointmentTime: Date; location: string } | null> {
  const [row] = await tx
    .update(appointments)
    .set({ status: intent === 'confirm' ? 'confirmed' : 'cancelled', updatedAt: sql`now()` })
    .where(
      and(
        eq(appointments.id, appointmentId),
        sql`${appointments.status} in ('scheduled', 'confirmed', 'reschedule_requested')`,
      ),
    )
    .returning({ appointmentTime: appointments.startsAt, location: appointments.location });
  return row ?? null;
}
