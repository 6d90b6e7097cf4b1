import { eq } from 'drizzle-orm';
import type { PolicyRefusalDetails } from '../../contracts/inbox-api';
import { type VerifiedSessionLifetime, verifiedIdentityIds } from '../contacts/contact-verification';
import {
  appendOutboundMessage,
  findOrOpenConversation,
  type MessageRow,
  stopSlaClock,
} from '../conversations/conversation-store';
import { writeAudit } from '../platform/audit/audit-log';
import type { Queryable, Transaction } from '../platform/db/database';
import { contactIdentities, contacts } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { effectiveMaxSensitivity } from '../policy/channel-capabilities';
import { listConsents } from '../policy/consent-ledger';
import {
  type ConsentRecord,
  decidePolicy,
  type Initiator,
  type PolicyDecision,
  type PolicyInput,
  type Purpose,
  type Sensitivity,
} from '../policy/policy-engine';
import { maskedLinkUrl } from '../securelinks/secure-link-delivery';
import { issueSecureLink, SecureLinkRefused } from '../securelinks/secure-link-store';
import {
  PLAIN_TEXT_BODY,
  type RenderedTemplate,
  type TemplateCatalog,
  type TemplateChannel,
  TemplateError,
} from '../templates';
import { enqueueAfterCommit, type OutboundDeps } from './outbox-enqueue';

export type OutboundContent =
  | { template: string; variables: Record<string, unknown>; locale?: string }
  | { body: string; sensitivity: Sensitivity; purpose: Purpose };

export interface OutboundRequest {
  orgId: string;
  contactId: string;
  /** The conversation a staff reply belongs to; otherwise the contact's active one (opened if none). */
  conversationId?: string;
  initiator: Initiator;
  requestedChannel?: string;
  /** Why the channel was asked for, when that needs saying: put first in the decision's reasons. */
  notes?: string[];
  content: OutboundContent;
  urgent?: boolean;
  staffId?: string;
  /** The appointment a reminder is about: the patient's short reply acts on it. */
  appointmentId?: string;
  /** Why the hub sends it when no person did (e.g. `attachment_refused`), kept on the message. */
  automation?: string;
  /**
   * The patient's message this automatic send answers: kept on the message, threaded where the
   * channel threads, and read by the policy (an opt-out is set aside only where the patient wrote).
   */
  answers?: PolicyInput['answers'];
  /**
   * The secure link whose masked address (maskedLinkUrl) the content carries, e.g. a reminder's:
   * the send gives it a live token (secure-link-delivery.ts).
   */
  secureLinkId?: string;
  requestId: string;
  ip?: string;
}

export interface OutboundServiceDeps extends OutboundDeps {
  templates: TemplateCatalog;
  clinic: { name: string; timeZone: string; defaultLocale: string };
  publicUrl: string;
  /** A verified web chat session may carry PHI only until its verification lapses. */
  verifiedSessionLifetime: VerifiedSessionLifetime;
  /** The clinic's per-channel sensitivity ceilings (CHANNEL_MAX_SENSITIVITY). */
  channelOverrides?: Partial<Record<string, Sensitivity>>;
}

export interface OutboundOutcome {
  decision: PolicyDecision;
  /** What went (or will go) on the channel: the message itself, or the notice carrying the link. */
  message: MessageRow;
  /** The content kept behind the secure link, when there is one. */
  secureMessage?: MessageRow;
}

/** A send the policy refused, with its code and the reasons (422, nothing written but the audit row). */
export class PolicyRefused extends HttpError {
  constructor(readonly decision: PolicyDecision) {
    super(
      422,
      decision.code ?? 'no_channel_allowed',
      decision.reasons.at(-1) ?? 'The policy does not allow this send',
      { reasons: decision.reasons } satisfies PolicyRefusalDetails,
    );
  }
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

/** A template as the patient will read it: the template body used and its text. */
export interface RenderedPreview {
  channel: string;
  text: string;
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

async function decideAndWrite(
  deps: OutboundServiceDeps,
  request: OutboundRequest,
  options: PlanOptions,
  /** The caller's transaction: read and write in it. Otherwise the send gets a transaction of its own. */
  within?: Transaction,
): Promise<PlannedOutbound> {
  const db: Queryable = within ?? deps.db;
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, request.contactId));
  if (!contact || contact.orgId !== request.orgId)
    throw new HttpError(422, 'contact_not_found', 'No such contact');

  const template = 'template' in request.content ? deps.templates.get(request.content.template) : undefined;
  if ('template' in request.content && !template) {
    throw new HttpError(422, 'template_not_found', `No template named ${request.content.template}`);
  }
  const content = template
    ? { sensitivity: template.sensitivity, purpose: template.purpose }
    : (request.content as { sensitivity: Sensitivity; purpose: Purpose });
  const locale =
    ('locale' in request.content && request.content.locale) || contact.language || deps.clinic.defaultLocale;

  // The wording a channel's adapter takes, if the template has it (null for an unknown channel).
  const templateBodyOnChannel = (bodies: readonly TemplateChannel[], channel: string) => {
    const adapter = deps.channels.get(channel);
    return adapter ? templateBodyFor(bodies, adapter) : null;
  };
  /**
   * The template body the patient reads for a send on `channel`: behind a secure link the page's
   * wording when the template has one; else the channel's own, or the SMS wording for a channel
   * templates have no word for. A channel the template leaves out (only a refused or checked send
   * names one) shows its first body, so staff still see what they would have sent.
   */
  const bodyFor = (t: NonNullable<typeof template>, channel: string, securedViaLink: boolean) =>
    securedViaLink && t.channels.includes('securelink')
      ? 'securelink'
      : (templateBodyOnChannel(t.channels, channel) ?? t.channels[0]!);
  // One rendering for the outbox row and for a check's preview, so what staff see is what is sent.
  const renderFor = (channel: string, securedViaLink = false) => {
    if (!template || !('template' in request.content)) return null;
    return deps.templates.render(template.id, {
      channel: bodyFor(template, channel, securedViaLink),
      locale,
      fallbackLocale: deps.clinic.defaultLocale,
      variables: request.content.variables,
      timeZone: contact.timeZone ?? deps.clinic.timeZone,
    });
  };
  // Render before deciding: a missing variable is the caller's error whatever the policy says.
  if (template) renderFor(template.channels[0]!);
  /** A check's (or a refusal's) view of the template: on the chosen channel, else the requested one. */
  const preview = (t: NonNullable<typeof template>, decision: PolicyDecision): RenderedPreview => {
    const channel = decision.channel ?? request.requestedChannel ?? t.channels[0]!;
    const securedViaLink = decision.securedVia === 'securelink';
    return { channel: bodyFor(t, channel, securedViaLink), text: renderFor(channel, securedViaLink)!.text };
  };

  const identities = await db
    .select()
    .from(contactIdentities)
    .where(eq(contactIdentities.contactId, contact.id));
  const ledger = await listConsents(db, contact.id);
  const verified = await verifiedIdentityIds(db, contact.id, deps.verifiedSessionLifetime);
  // The newest unencrypted-PHI entry per channel decides (the ledger comes newest first).
  const phiAcceptance = new Map<string, boolean>();
  for (const row of ledger) {
    if (row.purpose === 'unencrypted_phi' && !phiAcceptance.has(row.channel)) {
      phiAcceptance.set(row.channel, row.status === 'opted_in');
    }
  }
  const channels = deps.channels
    .all()
    .filter((adapter) => !adapter.readInPlace)
    .filter((adapter) => !adapter.onlyWhenRequested || adapter.channel === request.requestedChannel)
    .filter((adapter) => !template || templateBodyFor(template.channels, adapter) !== null)
    .map((adapter) => {
      // The identity a send would use (a deliverable one first), so the ceiling is that address's.
      const identity =
        identities.find((i) => i.kind === adapter.identityKind && i.undeliverableAt === null) ??
        identities.find((i) => i.kind === adapter.identityKind);
      return {
        channel: adapter.channel,
        hasAddress: identity !== undefined,
        undeliverable: identity?.undeliverableAt != null,
        maxSensitivity: effectiveMaxSensitivity({
          channel: adapter.channel,
          declared: adapter.maxSensitivity,
          clinicOverrides: deps.channelOverrides,
          patientAcceptedUnencryptedPhi: phiAcceptance.get(adapter.channel) === true,
          // A web chat session may carry PHI once its visitor proved to be this contact.
          verifiedSession: identity !== undefined && verified.has(identity.id),
        }),
        carriesSecureLinkNotice: adapter.carriesSecureLinkNotice !== false,
        ...(adapter.fallbackRank !== undefined ? { fallbackRank: adapter.fallbackRank } : {}),
        // Channel-specific on purpose, as in effectiveMaxSensitivity: only a web chat session is verified.
        ...(adapter.channel === 'webchat'
          ? { verifiedSession: identity !== undefined && verified.has(identity.id) }
          : {}),
      };
    });
  const consents: ConsentRecord[] = ledger
    .filter((r) => r.purpose !== 'unencrypted_phi')
    .map((r) => ({
      channel: r.channel,
      purpose: r.purpose as ConsentRecord['purpose'],
      status: r.status,
      recordedAt: r.recordedAt,
      evidenceMessageId: r.evidenceMessageId,
    }));

  const decision = decidePolicy({
    contact: { timeZone: contact.timeZone, channelPreferences: contact.channelPreferences, channels },
    consents,
    content,
    initiator: request.initiator,
    urgent: request.urgent,
    requestedChannel: request.requestedChannel,
    ...(request.answers ? { answers: request.answers } : {}),
    // A link is opened by confirming the date of birth: without one on file nobody could open it.
    secureLinkAvailable: contact.dateOfBirth !== null && deps.channels.get('securelink') !== undefined,
    clinicTimeZone: deps.clinic.timeZone,
    now: new Date(),
  });
  if (request.notes?.length) decision.reasons.unshift(...request.notes);
  const auditDecision = (tx: Queryable, messageId?: string) =>
    writeAudit(tx, {
      orgId: request.orgId,
      actorKind: request.staffId ? 'staff' : 'system',
      actorId: request.staffId ?? null,
      action: options.dryRun ? 'policy.check' : 'policy.decision',
      subjectType: 'contact',
      subjectId: contact.id,
      ip: request.ip ?? null,
      requestId: request.requestId,
      detail: {
        allowed: decision.allowed,
        code: decision.code,
        channel: decision.channel,
        securedVia: decision.securedVia,
        scheduledFor: decision.scheduledFor,
        template: template?.id,
        initiator: request.initiator,
        messageId,
      },
    });
  if (!decision.allowed && contact.dateOfBirth === null && content.sensitivity === 'phi') {
    decision.reasons.push(
      'no secure link is possible: the contact has no date of birth on file to open it with',
    );
  }
  if (!decision.allowed || options.dryRun) {
    if (!options.dryRun || options.audit !== false) await auditDecision(db);
    if (!decision.allowed && !options.dryRun) throw new PolicyRefused(decision);
    return { decision, rendered: template ? preview(template, decision) : undefined };
  }

  const channel = decision.channel!;
  const adapter = deps.channels.get(channel)!;
  const toAddress = identities.find(
    (i) => i.kind === adapter.identityKind && i.undeliverableAt === null,
  )?.address;
  if (!toAddress) throw new PolicyRefused({ ...decision, allowed: false, code: 'no_address' });
  const freeText = 'body' in request.content ? request.content.body : null;
  const policy = {
    allowed: true,
    channel,
    securedVia: decision.securedVia ?? null,
    scheduledFor: decision.scheduledFor?.toISOString() ?? null,
    initiator: request.initiator,
    sensitivity: content.sensitivity,
    purpose: content.purpose,
    reasons: decision.reasons,
  };

  const write = async (tx: Transaction): Promise<OutboundOutcome> => {
    const conversationId =
      request.conversationId ?? (await findOrOpenConversation(tx, request.orgId, contact.id));
    const common = {
      orgId: request.orgId,
      conversationId,
      contactId: contact.id,
      authorKind: request.staffId ? ('staff' as const) : ('system' as const),
      authorStaffId: request.staffId ?? null,
      templateId: template?.id ?? null,
      policy,
      requestId: request.requestId,
      scheduledFor: decision.scheduledFor ?? null,
      appointmentId: request.appointmentId ?? null,
    };
    // A staff reply answers the patient: it stops the conversation's SLA clock.
    const answeredSlaDueAt =
      request.initiator === 'staff_reply' && request.staffId ? await stopSlaClock(tx, conversationId) : null;
    let secureMessage: MessageRow | undefined;
    let secureLinkId = request.secureLinkId;
    let body: string;
    // The template as rendered for the channel it goes on: its email subject and HTML travel with it.
    let rendered: RenderedTemplate | null;
    if (decision.securedVia === 'securelink') {
      // A template without a page body shows its wording for the channel it would have gone on.
      const secured = renderFor(channel, true)?.text ?? freeText ?? '';
      secureMessage = await appendOutboundMessage(tx, {
        ...common,
        channel: 'securelink',
        toAddress: `contact:${contact.id}`,
        body: secured,
      });
      const link = await issueSecureLink(tx, {
        orgId: request.orgId,
        contactId: contact.id,
        conversationId,
        messageIds: [secureMessage.id],
        publicUrl: deps.publicUrl,
      });
      // The notice is kept with the token masked: the live token is made at send time, only for
      // the provider call (secure-link-delivery.ts). The token issueSecureLink returned is dropped.
      secureLinkId = link.id;
      rendered = deps.templates.render(SECURE_NOTICE_TEMPLATE, {
        channel: templateBodyOf(adapter),
        locale,
        fallbackLocale: deps.clinic.defaultLocale,
        variables: { clinicName: deps.clinic.name, link: maskedLinkUrl(deps.publicUrl) },
      });
      body = rendered.text;
    } else {
      rendered = renderFor(channel);
      body = rendered?.text ?? freeText ?? '';
    }
    const message = await appendOutboundMessage(tx, {
      ...common,
      channel,
      toAddress,
      body,
      channelMeta: {
        ...adapter.describeOutbound?.(body),
        ...renderedParts(rendered),
        ...(request.answers ? { answers: request.answers.messageId } : {}),
        ...(secureLinkId ? { secureLinkId } : {}),
      },
      automation: request.automation ?? null,
      answeredSlaDueAt,
    });
    await auditDecision(tx, message.id);
    await options.inTransaction?.(tx, message);
    return { decision, message, secureMessage };
  };
  // Inside the caller's transaction when given one; otherwise a transaction of its own.
  const outcome = within ? await write(within) : await deps.db.transaction(write);
  return { decision, outcome };
}

/**
 * The wording of a template a channel takes, as its adapter declares it; for a channel templates
 * have no word of its own for (an adapter newer than the template format, e.g. Bot Framework), the
 * plain-text one.
 */
export function templateBodyOf(adapter: { readonly templateBody?: TemplateChannel }): TemplateChannel {
  return adapter.templateBody ?? PLAIN_TEXT_BODY;
}

/** That wording when the template has it; null when it leaves it out (it does not go there). */
export function templateBodyFor(
  bodies: readonly TemplateChannel[],
  adapter: { readonly templateBody?: TemplateChannel },
): TemplateChannel | null {
  const body = templateBodyOf(adapter);
  return bodies.includes(body) ? body : null;
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
