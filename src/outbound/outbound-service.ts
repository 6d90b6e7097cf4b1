import { setImmediate } from 'node:timers/promises';
import {
  appendOutboundMessage,
  appendOutboundMessages,
  type MessageRow,
  type NewOutboundMessage,
  stopSlaClock,
} from '../conversations/conversation-store';
import { resolveConversations } from '../conversations/inbound-batch-store';
import { type AuditEntry, writeAudit, writeAudits } from '../platform/audit/audit-log';
import type { Queryable, Transaction } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { HttpError } from '../platform/http/http-error';
import type { PolicyDecision } from '../policy/policy-engine';
import { maskedLinkUrl } from '../securelinks/secure-link-delivery';
import { issueSecureLink, SecureLinkRefused } from '../securelinks/secure-link-store';
import { type RenderedTemplate, TemplateError } from '../templates';
import {
  type DecidedSend,
  type DecideResult,
  decideSends,
  loadPolicyContexts,
  type OutboundRequest,
  type OutboundServiceDeps,
  type RenderedPreview,
  sendRefusal,
  templateBodyOf,
} from './outbound-decision';
import { enqueueAfterCommit } from './outbox-enqueue';

export {
  type DecidedSend,
  type DecideResult,
  loadPolicyContexts,
  type OutboundContent,
  type OutboundRequest,
  type OutboundServiceDeps,
  PolicyRefused,
  type RenderedPreview,
  sendRefusal,
  templateBodyFor,
  templateBodyOf,
} from './outbound-decision';

export interface OutboundOutcome {
  decision: PolicyDecision;
  /** What went (or will go) on the channel: the message itself, or the notice carrying the link. */
  message: MessageRow;
  /** The content kept behind the secure link, when there is one. */
  secureMessage?: MessageRow;
}

const SECURE_NOTICE_TEMPLATE = 'secure-message-notice';

export interface PlanOptions {
  dryRun: boolean;
  /** A dry run leaves a `policy.check` audit row unless this is false (a campaign preview's thousands). */
  audit?: boolean;
  /**
   * Runs in the transaction that writes the outbox row, before it commits: a caller's own record of
   * the send (a campaign recipient) commits or rolls back with it. Throwing here writes nothing.
   */
  inTransaction?: (tx: Transaction, message: MessageRow) => Promise<void>;
}

/**
 * A decision, and the rows written when it was sent; for a check or a refusal of a template, what the
 * patient would read (rendered by the code that renders the send).
 */
export interface PlannedOutbound {
  decision: PolicyDecision;
  outcome?: OutboundOutcome;
  rendered?: RenderedPreview;
}

/**
 * Every outbound send goes through here: staff replies, clinic-initiated sends, reminders and every
 * automatic reply (safety replies, carrier keyword confirmations, acknowledgements). The policy
 * decides whether, where and when; templates render per channel and locale; PHI above the channel's
 * limit is stored behind a secure link and only a public notice goes out. Returns the decision
 * without writing anything but its audit row when `dryRun`.
 */
export async function planOutbound(
  deps: OutboundServiceDeps,
  request: OutboundRequest,
  options: PlanOptions,
): Promise<PlannedOutbound> {
  const planned = await decideAndWrite(deps, request, options);
  if (planned.outcome) await enqueueAfterCommit(deps, outboxRows(planned.outcome));
  return planned;
}

/**
 * planOutbound inside the caller's transaction, for a reply written with the change it answers (a
 * triage decision, a consent entry): the same decision, rows and audit, committed or rolled back
 * with the caller's work. The caller enqueues `outboxRows(outcome)` once it has committed. A refusal
 * throws PolicyRefused after its audit row is written in `tx`.
 */
export async function planOutboundInTransaction(
  tx: Transaction,
  deps: OutboundServiceDeps,
  request: OutboundRequest,
): Promise<OutboundOutcome> {
  const { outcome } = await decideAndWrite(deps, request, { dryRun: false }, tx);
  return outcome!;
}

/** The rows of an outcome the outbox sends: the message, and the content behind its link. */
export function outboxRows(outcome: OutboundOutcome): MessageRow[] {
  return [outcome.message, ...(outcome.secureMessage ? [outcome.secureMessage] : [])];
}

/**
 * The decisions for a batch of requests, from the policy's inputs loaded for all their contacts at
 * once (loadPolicyContexts) and the same rules as every send (decideSends). Nothing is written: a
 * campaign previews with it, and plans with writeOutboundBatch.
 */
export async function decideOutboundBatch(
  deps: OutboundServiceDeps,
  requests: OutboundRequest[],
  db: Queryable = deps.db,
): Promise<DecideResult[]> {
  const contexts = await loadPolicyContexts(
    db,
    requests.map((r) => r.contactId),
    deps.verifiedSessionLifetime,
  );
  const now = new Date();
  const results: DecideResult[] = [];
  for (let start = 0; start < requests.length; start += DECIDE_CHUNK) {
    // A campaign's batch is a thousand decisions, about 0.1 ms each: in one go they held the event
    // loop (webhooks, staff sockets) for over 100 ms. Other work runs between chunks.
    if (start > 0) await setImmediate();
    results.push(...decideSends(deps, requests.slice(start, start + DECIDE_CHUNK), contexts, now));
  }
  return results;
}

/** Decisions made between two turns of the event loop (about 10–25 ms of work on this machine). */
export const DECIDE_CHUNK = 100;

/** The audit row of a decision: identifiers and codes only. */
function decisionAudit(send: DecidedSend, dryRun: boolean, messageId?: string): AuditEntry {
  const { request, decision } = send;
  return {
    orgId: request.orgId,
    actorKind: request.staffId ? 'staff' : 'system',
    actorId: request.staffId ?? null,
    action: dryRun ? 'policy.check' : 'policy.decision',
    subjectType: 'contact',
    subjectId: send.contact.id,
    ip: request.ip ?? null,
    requestId: request.requestId,
    detail: {
      allowed: decision.allowed,
      code: decision.code,
      channel: decision.channel,
      securedVia: decision.securedVia,
      scheduledFor: decision.scheduledFor,
      template: send.template?.id,
      initiator: request.initiator,
      messageId,
    },
  };
}

/**
 * The audit rows of a refused decision made once for several contacts alike in everything it read
 * (a campaign's decide phase decides a group of recipients once): one per contact, as each send's own.
 */
export function refusalAudits(send: DecidedSend, contactIds: string[]): AuditEntry[] {
  const entry = decisionAudit(send, false);
  return contactIds.map((id) => ({ ...entry, subjectId: id }));
}

async function decideAndWrite(
  deps: OutboundServiceDeps,
  request: OutboundRequest,
  options: PlanOptions,
  /** The caller's transaction: read and write in it. Otherwise the send gets a transaction of its own. */
  within?: Transaction,
): Promise<PlannedOutbound> {
  const db: Queryable = within ?? deps.db;
  const [result] = await decideOutboundBatch(deps, [request], db);
  if (!result!.ok) throw result!.error;
  const send = result!.send;
  const { decision } = send;
  if (!decision.allowed || options.dryRun) {
    if (!options.dryRun || options.audit !== false) await writeAudit(db, decisionAudit(send, options.dryRun));
    if (!decision.allowed && !options.dryRun) throw sendRefusal(send)!;
    return { decision, rendered: send.preview() };
  }
  const refusal = sendRefusal(send);
  if (refusal) throw refusal;

  const write = async (tx: Transaction): Promise<OutboundOutcome> => {
    const conversationId =
      request.conversationId ??
      (await resolveConversations(tx, request.orgId, [send.contact.id])).get(send.contact.id)!;
    // A staff reply answers the patient: it stops the conversation's SLA clock.
    const answeredSlaDueAt =
      request.initiator === 'staff_reply' && request.staffId ? await stopSlaClock(tx, conversationId) : null;
    const outcome = await writeDecided(tx, deps, send, conversationId, answeredSlaDueAt);
    await options.inTransaction?.(tx, outcome.message);
    return outcome;
  };
  // Inside the caller's transaction when given one; otherwise a transaction of its own.
  const outcome = within ? await write(within) : await deps.db.transaction(write);
  return { decision, outcome };
}

/** The columns every row of a send shares, whatever its channel. */
function commonFields(send: DecidedSend, conversationId: string) {
  const { request, decision, content } = send;
  return {
    orgId: request.orgId,
    conversationId,
    contactId: send.contact.id,
    authorKind: request.staffId ? ('staff' as const) : ('system' as const),
    authorStaffId: request.staffId ?? null,
    templateId: send.template?.id ?? null,
    policy: {
      allowed: true,
      channel: decision.channel!,
      securedVia: decision.securedVia ?? null,
      scheduledFor: decision.scheduledFor?.toISOString() ?? null,
      initiator: request.initiator,
      sensitivity: content.sensitivity,
      purpose: content.purpose,
      reasons: decision.reasons,
    },
    requestId: request.requestId,
    scheduledFor: decision.scheduledFor ?? null,
    appointmentId: request.appointmentId ?? null,
    campaignId: request.campaignId ?? null,
  };
}

/** The outbox row that goes on the decided channel: the message, or the notice of its secure link. */
function channelMessage(
  deps: OutboundServiceDeps,
  send: DecidedSend,
  conversationId: string,
  rendered: RenderedTemplate | null,
  extra: { secureLinkId?: string; answeredSlaDueAt?: Date | null },
): NewOutboundMessage {
  const { request } = send;
  const channel = send.decision.channel!;
  const freeText = 'body' in request.content ? request.content.body : null;
  const body = rendered?.text ?? freeText ?? '';
  const secureLinkId = extra.secureLinkId ?? request.secureLinkId;
  return {
    ...commonFields(send, conversationId),
    channel,
    toAddress: send.toAddress!,
    body,
    channelMeta: {
      ...deps.channels.get(channel)!.describeOutbound?.(body),
      ...renderedParts(rendered),
      ...(request.answers ? { answers: request.answers.messageId } : {}),
      ...(secureLinkId ? { secureLinkId } : {}),
    },
    automation: request.automation ?? null,
    answeredSlaDueAt: extra.answeredSlaDueAt ?? null,
  };
}

/** Writes one allowed send in `tx`: its outbox row, or the secured content, its link and the notice. */
async function writeDecided(
  tx: Transaction,
  deps: OutboundServiceDeps,
  send: DecidedSend,
  conversationId: string,
  answeredSlaDueAt: Date | null,
): Promise<OutboundOutcome> {
  const { request, decision } = send;
  const channel = decision.channel!;
  let secureMessage: MessageRow | undefined;
  let secureLinkId: string | undefined;
  // The template as rendered for the channel it goes on: its email subject and HTML travel with it.
  let rendered: RenderedTemplate | null;
  if (decision.securedVia === 'securelink') {
    const freeText = 'body' in request.content ? request.content.body : null;
    // A template without a page body shows its wording for the channel it would have gone on.
    const secured = send.renderFor(channel, true)?.text ?? freeText ?? '';
    secureMessage = await appendOutboundMessage(tx, {
      ...commonFields(send, conversationId),
      channel: 'securelink',
      toAddress: `contact:${send.contact.id}`,
      body: secured,
    });
    const link = await issueSecureLink(tx, {
      orgId: request.orgId,
      contactId: send.contact.id,
      conversationId,
      messageIds: [secureMessage.id],
      publicUrl: deps.publicUrl,
    });
    // The notice is kept with the token masked: the live token is made at send time, only for
    // the provider call (secure-link-delivery.ts). The token issueSecureLink returned is dropped.
    secureLinkId = link.id;
    rendered = deps.templates.render(SECURE_NOTICE_TEMPLATE, {
      channel: templateBodyOf(deps.channels.get(channel)!),
      locale: send.locale,
      fallbackLocale: deps.clinic.defaultLocale,
      variables: { clinicName: deps.clinic.name, link: maskedLinkUrl(deps.publicUrl) },
    });
  } else {
    rendered = send.renderFor(channel);
  }
  const message = await appendOutboundMessage(
    tx,
    channelMessage(deps, send, conversationId, rendered, {
      ...(secureLinkId ? { secureLinkId } : {}),
      answeredSlaDueAt,
    }),
  );
  await writeAudit(tx, decisionAudit(send, false, message.id));
  return { decision, message, secureMessage };
}

/**
 * Writes a batch of decided sends in the caller's transaction, as planOutbound writes each: the
 * allowed ones (sendRefusal undefined) get their outbox rows, in one INSERT for those sent as they
 * are (a secured one goes through the single write, with its link), and every decision its audit
 * row; a refused one only its audit row. Conversations are found or opened for all at once. The
 * caller enqueues `outboxRows` of each outcome once it has committed. For automated sends only:
 * no staff reply (whose SLA clock a send stops) comes this way.
 */
export async function writeOutboundBatch(
  tx: Transaction,
  deps: OutboundServiceDeps,
  sends: DecidedSend[],
): Promise<(OutboundOutcome | undefined)[]> {
  const allowed = sends.filter((send) => !sendRefusal(send));
  const orgId = sends[0]?.request.orgId;
  const plain = allowed.filter((send) => send.decision.securedVia !== 'securelink');
  // The outbox rows' ids, chosen now: a conversation opened for one starts with it as its last message.
  const ids = plain.map(() => newId());
  const lastMessageOf = new Map(
    plain.flatMap((send, i) => (send.request.conversationId ? [] : [[send.contact.id, ids[i]!] as const])),
  );
  const unthreaded = allowed.filter((s) => !s.request.conversationId).map((s) => s.contact.id);
  const conversationOf = orgId
    ? await resolveConversations(tx, orgId, unthreaded, lastMessageOf)
    : new Map<string, string>();
  const conversationFor = (send: DecidedSend) =>
    send.request.conversationId ?? conversationOf.get(send.contact.id)!;
  const outcomes = new Map<DecidedSend, OutboundOutcome>();
  const written = await appendOutboundMessages(
    tx,
    plain.map((send, i) => ({
      ...channelMessage(deps, send, conversationFor(send), send.renderFor(send.decision.channel!), {}),
      id: ids[i]!,
    })),
  );
  for (const [i, send] of plain.entries())
    outcomes.set(send, { decision: send.decision, message: written[i]! });
  await writeAudits(tx, [
    ...plain.map((send) => decisionAudit(send, false, outcomes.get(send)!.message.id)),
    ...sends.filter((send) => !send.decision.allowed).map((send) => decisionAudit(send, false)),
  ]);
  for (const send of allowed) {
    if (send.decision.securedVia === 'securelink') {
      outcomes.set(send, await writeDecided(tx, deps, send, conversationFor(send), null));
    }
  }
  return sends.map((send) => outcomes.get(send));
}

/**
 * The parts of a rendered template besides its text, kept on the outbox row for the send: the email
 * subject and HTML (variables already HTML-escaped by the renderer). Free text has none.
 */
function renderedParts(rendered: RenderedTemplate | null): { subject?: string; html?: string } {
  return {
    ...(rendered?.subject ? { subject: rendered.subject } : {}),
    ...(rendered?.html ? { html: rendered.html } : {}),
  };
}

/** Template and secure-link refusals as 422 with their stable codes; anything else unchanged. */
export function asHttpError(error: unknown): unknown {
  if (error instanceof TemplateError) return new HttpError(422, error.code, error.message, error.details);
  if (error instanceof SecureLinkRefused) return new HttpError(422, error.code, error.message);
  return error;
}
