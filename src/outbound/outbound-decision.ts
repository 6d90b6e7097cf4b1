import type { PolicyRefusalDetails } from '../../contracts/inbox-api';
import { type VerifiedSessionLifetime, verifiedIdentityIdsByContact } from '../contacts/contact-verification';
import { anyOf } from '../platform/db/any-of';
import type { Queryable } from '../platform/db/database';
import { contactIdentities, contacts } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { effectiveMaxSensitivity } from '../policy/channel-capabilities';
import { type ConsentRow, listConsentsByContact } from '../policy/consent-ledger';
import {
  type ConsentRecord,
  decidePolicy,
  type Initiator,
  type PolicyDecision,
  type PolicyInput,
  type Purpose,
  type Sensitivity,
} from '../policy/policy-engine';
import {
  PLAIN_TEXT_BODY,
  type RenderedTemplate,
  type TemplateCatalog,
  type TemplateChannel,
  type TemplateDefinition,
} from '../templates';
import type { OutboundDeps } from './outbox-enqueue';

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
  /** A campaign's send: kept on the outbox row, so the campaign's unsent messages are found by index. */
  campaignId?: string;
  requestId: string;
  ip?: string;
  /** A narrower sending window for an automated send (PolicyInput.sendingWindow). */
  sendingWindow?: PolicyInput['sendingWindow'];
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

type ContactRow = typeof contacts.$inferSelect;
type IdentityRow = typeof contactIdentities.$inferSelect;

/** What the policy reads about one contact. */
export interface PolicyContext {
  contact: ContactRow;
  identities: IdentityRow[];
  /** The consent ledger, newest first. */
  ledger: ConsentRow[];
  /** Ids of its identities verified as this contact. */
  verified: Set<string>;
}

/**
 * The policy's inputs for a set of contacts, in four queries whatever their number: the contacts,
 * their identities, their consent ledgers and their verified sessions. A single send loads a set of
 * one; a campaign a page of recipients.
 */
export async function loadPolicyContexts(
  db: Queryable,
  contactIds: string[],
  lifetime: VerifiedSessionLifetime,
): Promise<Map<string, PolicyContext>> {
  const ids = [...new Set(contactIds)];
  const contexts = new Map<string, PolicyContext>();
  if (ids.length === 0) return contexts;
  // One after another: `db` may be a transaction, one connection that takes a query at a time.
  const contactRows = await db.select().from(contacts).where(anyOf(contacts.id, ids));
  // In a stated order: a send takes the first deliverable address of a kind, which must not depend on
  // the plan PostgreSQL picks; and the preview's grouping (policy-input-groups.ts) reads them so too.
  const identityRows = await db
    .select()
    .from(contactIdentities)
    .where(anyOf(contactIdentities.contactId, ids))
    .orderBy(contactIdentities.kind, contactIdentities.createdAt, contactIdentities.id);
  const ledgers = await listConsentsByContact(db, ids);
  const verified = await verifiedIdentityIdsByContact(db, ids, lifetime);
  for (const contact of contactRows) {
    contexts.set(contact.id, {
      contact,
      identities: [],
      ledger: ledgers.get(contact.id) ?? [],
      verified: verified.get(contact.id) ?? new Set(),
    });
  }
  for (const identity of identityRows) contexts.get(identity.contactId)?.identities.push(identity);
  return contexts;
}

/** A send decided by the policy, with what its write needs. */
export interface DecidedSend {
  request: OutboundRequest;
  contact: ContactRow;
  template: TemplateDefinition | undefined;
  content: { sensitivity: Sensitivity; purpose: Purpose };
  locale: string;
  decision: PolicyDecision;
  /** The deliverable address on the decided channel; undefined when refused or there is none. */
  toAddress: string | undefined;
  /**
   * The template as the patient reads it on `channel` (null for free text): the body its adapter
   * takes, or behind a secure link the page's wording. The write and a check's preview both use it.
   */
  renderFor(channel: string, securedViaLink?: boolean): RenderedTemplate | null;
  /** For a check or a refusal of a template, what the patient would read (undefined for free text). */
  preview(): RenderedPreview | undefined;
}

/** A template as the patient will read it: the template body used and its text. */
export interface RenderedPreview {
  channel: string;
  text: string;
}

/** Each request's decision, or the error planOutbound throws for it (unknown contact, template error). */
export type DecideResult = { ok: true; send: DecidedSend } | { ok: false; error: unknown };

/**
 * The outbound rules, for one request or a batch: the template, its rendering (a missing variable
 * is the caller's error whatever the policy says), the contact's channels with their effective
 * ceilings, consents, and the pure policy decision. No I/O: the contexts are loaded beforehand.
 */
export function decideSends(
  deps: OutboundServiceDeps,
  requests: OutboundRequest[],
  contexts: Map<string, PolicyContext>,
  now: Date,
): DecideResult[] {
  return requests.map((request) => {
    try {
      return { ok: true, send: decideSend(deps, request, contexts.get(request.contactId), now) };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

/**
 * What a send's decision reads about its contact, apart from who she is: her organisation, zone,
 * language, channel preferences, whether a date of birth is on file, her addresses and her consent
 * history, each reduced to what the policy compares. decisionKey's contact half; a campaign preview
 * computes the same values in SQL for a whole audience (policy-input-groups.ts).
 */
export interface PolicyInputs {
  orgId: string;
  timeZone: string | null;
  language: string | null;
  channelPreferences: ContactRow['channelPreferences'];
  hasDateOfBirth: boolean;
  /**
   * Her addresses in the order a send reads them (decideSend takes the first deliverable identity
   * of a kind, else the first of that kind, so the order matters): kind, deliverable, verified as her.
   */
  addresses: [kind: string, deliverable: boolean, verified: boolean][];
  /**
   * Her consent ledger, newest first. The policy compares rows only by that order and by equal times
   * (an opt-out wins a tie), so the order and whether a row was recorded at the same millisecond as
   * the one before it stand in for the times themselves.
   */
  consents: [channel: string, purpose: string, status: string, sameMomentAsPrevious: boolean][];
}

/** The policy inputs of a loaded context. */
export function policyInputsOf(context: PolicyContext): PolicyInputs {
  const { contact, identities, ledger, verified } = context;
  return {
    orgId: contact.orgId,
    timeZone: contact.timeZone,
    language: contact.language,
    channelPreferences: contact.channelPreferences,
    hasDateOfBirth: contact.dateOfBirth !== null,
    addresses: identities.map((i) => [i.kind, i.undeliverableAt === null, verified.has(i.id)]),
    consents: ledger.map((row, i) => [
      row.channel,
      row.purpose,
      row.status,
      i > 0 && row.recordedAt.getTime() === ledger[i - 1]!.recordedAt.getTime(),
    ]),
  };
}

/**
 * What a send's decision depends on, as a string: two requests with the same key, decided at the same
 * moment, get the same channel, deferral, refusal and rendering check (only the wording of the reasons,
 * which quotes dates, and the address differ). A campaign preview of 100,000 recipients then decides a
 * few hundred distinct cases instead of every recipient: most share a time zone, a language, the same
 * kinds of address and the same consent history shape.
 *
 * Everything decideSend reads must be here, or equal keys could hide different decisions; the test
 * "the preview counts what the start decides" compares the two on mixed recipients. undefined means
 * "decide this one alone" (a reply to a patient's message, whose evidence is per message).
 */
export function decisionKey(
  deps: Pick<OutboundServiceDeps, 'templates'>,
  request: OutboundRequest,
  context: PolicyContext | undefined,
): string | undefined {
  return context ? decisionKeyOf(deps, request, policyInputsOf(context)) : undefined;
}

/** decisionKey from the contact's policy inputs, however they were read (a context, or SQL). */
export function decisionKeyOf(
  deps: Pick<OutboundServiceDeps, 'templates'>,
  request: OutboundRequest,
  inputs: PolicyInputs,
): string | undefined {
  if (request.answers || request.conversationId) return undefined;
  const content = request.content;
  let contentKey: unknown;
  if ('template' in content) {
    const declared = deps.templates.get(content.template)?.variables ?? {};
    // Only the declared variables reach the rendering (buildRenderContext ignores the rest).
    const values = Object.keys(declared).map((name) =>
      Object.hasOwn(content.variables, name) ? content.variables[name] : null,
    );
    contentKey = [content.template, content.locale ?? null, values];
  } else {
    contentKey = [content.sensitivity, content.purpose, content.body.length > 0];
  }
  return JSON.stringify([
    request.orgId,
    request.initiator,
    request.requestedChannel ?? null,
    request.urgent === true,
    request.notes ?? null,
    request.sendingWindow ?? null,
    contentKey,
    inputs.orgId,
    inputs.timeZone,
    inputs.language,
    inputs.channelPreferences,
    !inputs.hasDateOfBirth,
    inputs.addresses,
    inputs.consents,
  ]);
}

function decideSend(
  deps: OutboundServiceDeps,
  request: OutboundRequest,
  context: PolicyContext | undefined,
  now: Date,
): DecidedSend {
  if (!context || context.contact.orgId !== request.orgId)
    throw new HttpError(422, 'contact_not_found', 'No such contact');
  const { contact, identities, ledger, verified } = context;

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
   * wording when the template has one; else the one the channel's adapter takes. A channel the
   * template leaves out (only a refused or checked send names one) shows its first body, so staff
   * still see what they would have sent.
   */
  const bodyFor = (t: TemplateDefinition, channel: string, securedViaLink: boolean): TemplateChannel =>
    securedViaLink && t.channels.includes('securelink')
      ? 'securelink'
      : (templateBodyOnChannel(t.channels, channel) ?? t.channels[0]!);
  // One rendering for the outbox row and for a check's preview, so what staff see is what is sent.
  // Kept per body, so the write does not render the body the check rendered a second time.
  const rendered = new Map<TemplateChannel, RenderedTemplate>();
  const renderFor = (channel: string, securedViaLink = false) => {
    if (!template || !('template' in request.content)) return null;
    const body = bodyFor(template, channel, securedViaLink);
    const known = rendered.get(body);
    if (known) return known;
    const fresh = deps.templates.render(template.id, {
      channel: body,
      locale,
      fallbackLocale: deps.clinic.defaultLocale,
      variables: request.content.variables,
      timeZone: contact.timeZone ?? deps.clinic.timeZone,
    });
    rendered.set(body, fresh);
    return fresh;
  };
  // Render before deciding: a missing variable is the caller's error whatever the policy says.
  if (template) renderFor(template.channels[0]!);

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
    now,
    ...(request.sendingWindow ? { sendingWindow: request.sendingWindow } : {}),
  });
  if (request.notes?.length) decision.reasons.unshift(...request.notes);
  if (!decision.allowed && contact.dateOfBirth === null && content.sensitivity === 'phi') {
    decision.reasons.push(
      'no secure link is possible: the contact has no date of birth on file to open it with',
    );
  }
  const adapter = decision.allowed ? deps.channels.get(decision.channel!) : undefined;
  const toAddress = adapter
    ? identities.find((i) => i.kind === adapter.identityKind && i.undeliverableAt === null)?.address
    : undefined;
  /** A check's (or a refusal's) view of the template: on the chosen channel, else the requested one. */
  const preview = (): RenderedPreview | undefined => {
    if (!template) return undefined;
    const channel = decision.channel ?? request.requestedChannel ?? template.channels[0]!;
    const securedViaLink = decision.securedVia === 'securelink';
    return {
      channel: bodyFor(template, channel, securedViaLink),
      text: renderFor(channel, securedViaLink)!.text,
    };
  };
  return { request, contact, template, content, locale, decision, toAddress, renderFor, preview };
}

/**
 * Why the send may not be written, or undefined when it may: the policy's refusal, or an allowed
 * channel with no deliverable address left. The preview counts with this, so it agrees with a send.
 */
export function sendRefusal(send: DecidedSend): PolicyRefused | undefined {
  if (!send.decision.allowed) return new PolicyRefused(send.decision);
  if (!send.toAddress) return new PolicyRefused({ ...send.decision, allowed: false, code: 'no_address' });
  return undefined;
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
