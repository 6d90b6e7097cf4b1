/**
 * The outbound policy: one pure function deciding whether a message may go, on which channel, in
 * what form (plain or behind a secure link) and when (now or after quiet hours). It does no I/O and
 * never reads the clock; callers load the contact, its channels and its consent ledger rows first.
 *
 * Decisions the rules leave open, and why:
 * - A staff reply with a requested channel (the conversation's) stays on that channel or is refused;
 *   it is never moved silently. Staff expect the reply in the thread they answered, and the patient
 *   expects it where they wrote; the inbox can offer an explicit re-send elsewhere. Automated
 *   messages fall back through the candidate channels.
 * - An emergency safety reply with a requested channel answers the patient's own message, so it goes
 *   on that channel even after an opt-out there (the reasons say so), unless it is marketing, which
 *   is never an emergency. If that channel cannot take it (no address, undeliverable, or content it
 *   may not carry with no secure link), it falls back through the other channels under the normal
 *   consent rules rather than being dropped. It is never deferred by quiet hours.
 * - A channel whose address is marked undeliverable counts as having no address: when no candidate
 *   has a deliverable address the code is `no_address`.
 * - Two ledger rows for the same channel and purpose with the same timestamp: the opt-out wins.
 * - A voice call cannot carry a secure-link notice (nobody can follow a spoken link), so PHI for a
 *   voice-only contact is refused with `no_channel_allowed` rather than "secured" uselessly.
 * - When several channels were blocked for different reasons, `no_channel_allowed` wins if any
 *   channel passed consent but could not carry the content (sensitivity is what stopped the
 *   message); otherwise `marketing_requires_opt_in` if no channel had an explicit opt-out, else
 *   `consent_opted_out`.
 * - A missing or invalid contact time zone falls back to the clinic's; an invalid `clinicTimeZone`
 *   is a configuration error and throws InvalidTimeZoneError (validate it when config loads).
 */
import { DateTime } from 'luxon';
import { canCarry, type Sensitivity } from './channel-capabilities';
import { channelLabel } from './channel-labels';
import {
  defaultSendingWindow,
  luxonZone,
  nextAllowedTime,
  type QuietHoursWindow,
  resolveTimeZone,
} from './quiet-hours';

export type { Sensitivity } from './channel-capabilities';
export { channelLabel } from './channel-labels';

export type Purpose = 'care' | 'administrative' | 'marketing';
/**
 * Who or what starts a send. `emergency_safety` is triage's safety reply to a red flag;
 * `carrier_keyword_reply` is the answer carriers require to STOP/START/HELP.
 */
export type Initiator = 'staff_reply' | 'automated' | 'emergency_safety' | 'carrier_keyword_reply';

export interface ConsentRecord {
  channel: string;
  purpose: 'all' | Purpose;
  status: 'opted_in' | 'opted_out';
  recordedAt: Date;
  /** The patient's message that recorded it (a STOP), when one did. */
  evidenceMessageId?: string | null;
}

export interface ContactChannel {
  channel: string;
  hasAddress: boolean;
  undeliverable: boolean;
  /** Already effective for this patient (see effectiveMaxSensitivity). */
  maxSensitivity: Sensitivity;
  /**
   * Its place when the policy falls back past the requested and preferred channels, lowest first,
   * as the adapter declares it; absent: after every ranked channel, in the order given.
   */
  fallbackRank?: number;
  /** False when a secure-link notice is useless here (a phone call); as the adapter declares it. */
  carriesSecureLinkNotice?: boolean;
  /**
   * Web chat: whether the visitor proved to be this contact. The ceiling already reflects it; the
   * flag only lets the reasons tell staff why PHI may not go in the chat.
   */
  verifiedSession?: boolean;
}

export interface PolicyInput {
  contact: { timeZone?: string | null; channelPreferences?: string[] | null; channels: ContactChannel[] };
  /** The ledger rows for this contact, any order. */
  consents: ConsentRecord[];
  content: { sensitivity: Sensitivity; purpose: Purpose };
  initiator: Initiator;
  /** An automated message marked urgent skips quiet hours. */
  urgent?: boolean;
  /** The sender asked for this channel (a staff reply: the conversation's channel). */
  requestedChannel?: string;
  /**
   * The patient's message this send answers (an automatic reply). An opt-out may be set aside only
   * on the channel that message came on: the patient wrote there. Without it, the requested channel.
   */
  answers?: { channel: string; messageId: string; carrierKeyword?: 'opt_out' | 'opt_in' | 'help' };
  /** The hub can issue a secure link. */
  secureLinkAvailable: boolean;
  clinicTimeZone: string;
  now: Date;
  /**
   * A narrower window for an automated send than the default sending window (a campaign sent in each
   * patient's morning); deferred to its next opening in the patient's zone like quiet hours.
   */
  sendingWindow?: Readonly<QuietHoursWindow>;
}

export type PolicyRefusal =
  | 'consent_opted_out'
  | 'marketing_requires_opt_in'
  | 'no_channel_allowed'
  | 'no_address';

export interface PolicyDecision {
  allowed: boolean;
  /** Where it goes. */
  channel?: string;
  /** Content moved behind a secure link; only a public notice goes on `channel`. */
  securedVia?: 'securelink';
  /** Deferred by quiet hours (never dropped). */
  scheduledFor?: Date;
  /** Set when !allowed. */
  code?: PolicyRefusal;
  /** Human-readable, every rule that mattered, in order; shown to staff. */
  reasons: string[];
  /** Each candidate channel and why it was or wasn't used. */
  considered: { channel: string; verdict: string }[];
}

type Block = 'no_address' | 'undeliverable' | 'opted_out' | 'no_marketing_opt_in' | 'cannot_carry';

type Outcome =
  | { ok: true; securedVia?: 'securelink'; verdict: string; reasons: string[] }
  | { ok: false; block: Block; verdict: string; reason: string };

/** The newest ledger row governing (channel, purpose): a row for `all` or for that purpose. */
function governingConsent(
  consents: ConsentRecord[],
  channel: string,
  purpose: Purpose,
): ConsentRecord | undefined {
  let newest: ConsentRecord | undefined;
  for (const record of consents) {
    if (record.channel !== channel || (record.purpose !== 'all' && record.purpose !== purpose)) continue;
    if (!newest) {
      newest = record;
      continue;
    }
    const diff = record.recordedAt.getTime() - newest.recordedAt.getTime();
    if (diff > 0 || (diff === 0 && record.status === 'opted_out')) newest = record;
  }
  return newest;
}

function candidateChannels(input: PolicyInput): string[] {
  const candidates: string[] = [];
  const add = (channel: string | undefined) => {
    if (channel && !candidates.includes(channel)) candidates.push(channel);
  };
  add(input.requestedChannel);
  for (const channel of input.contact.channelPreferences ?? []) add(channel);
  // After the requested channel and the patient's preferences: the ranked channels, lowest rank
  // first (a stable sort keeps equal ranks in the order given), then the rest in the order given.
  const addressed = input.contact.channels.filter((c) => c.hasAddress);
  const ranked = addressed
    .filter((c) => c.fallbackRank !== undefined)
    .sort((a, b) => (a.fallbackRank ?? 0) - (b.fallbackRank ?? 0));
  for (const { channel } of ranked) add(channel);
  for (const { channel } of addressed) add(channel);
  return candidates;
}

/**
 * Why an opt-out on `channel` does not stop this send, or null when it does. Only two sends answer
 * the patient's own message on the channel they wrote on, never marketing:
 * - an emergency safety reply: telling someone in danger to call 911 is not a solicitation;
 * - the carrier keyword reply: a STOP's confirmation is the last message the patient is owed, so it
 *   goes once, for the opt-out that very message recorded; HELP is answered even to an opted-out
 *   number, as carriers require. Any other opt-out stands.
 */
function optOutSetAside(input: PolicyInput, channel: string, consent: ConsentRecord): string | null {
  if (input.content.purpose === 'marketing') return null;
  const answeredChannel = input.answers?.channel ?? input.requestedChannel;
  if (channel !== answeredChannel) return null;
  if (input.initiator === 'emergency_safety') {
    return "an emergency safety reply answers the patient's own message";
  }
  if (input.initiator !== 'carrier_keyword_reply' || !input.answers) return null;
  if (input.answers.carrierKeyword === 'help') return 'carriers require an answer to HELP';
  if (consent.evidenceMessageId && consent.evidenceMessageId === input.answers.messageId) {
    return 'it confirms the opt-out the patient just sent, once';
  }
  return null;
}

function evaluateChannel(
  input: PolicyInput,
  channel: string,
  contactChannel: ContactChannel | undefined,
): Outcome {
  const name = channelLabel(channel);
  if (!contactChannel?.hasAddress) {
    return { ok: false, block: 'no_address', verdict: 'no address', reason: `skipped ${name}: no address` };
  }
  if (contactChannel.undeliverable) {
    return {
      ok: false,
      block: 'undeliverable',
      verdict: 'address marked undeliverable',
      reason: `skipped ${name}: address marked undeliverable`,
    };
  }

  const reasons: string[] = [];
  const { purpose, sensitivity } = input.content;
  const consent = governingConsent(input.consents, channel, purpose);
  if (consent?.status === 'opted_out') {
    const setAside = optOutSetAside(input, channel, consent);
    if (!setAside) {
      return {
        ok: false,
        block: 'opted_out',
        verdict: `opted out (${consent.purpose === 'all' ? 'all messages' : purpose})`,
        reason: `blocked: opted out of ${name}`,
      };
    }
    reasons.push(`sent on ${name} despite an opt-out there: ${setAside}`);
  } else if (purpose === 'marketing') {
    if (consent?.status !== 'opted_in') {
      return {
        ok: false,
        block: 'no_marketing_opt_in',
        verdict: 'no marketing opt-in',
        reason: `blocked: no marketing opt-in on ${name}`,
      };
    }
    reasons.push(`marketing opt-in on ${name} recorded ${consent.recordedAt.toISOString()}`);
  }

  if (canCarry(contactChannel.maxSensitivity, sensitivity)) {
    return { ok: true, verdict: 'used', reasons };
  }
  const what = sensitivity === 'phi' ? 'PHI' : `${sensitivity} content`;
  const unverified = contactChannel.verifiedSession === false ? ' in an unverified session' : '';
  if (!input.secureLinkAvailable) {
    return {
      ok: false,
      block: 'cannot_carry',
      verdict: `cannot carry ${what}${unverified}; no secure link available`,
      reason: `skipped ${name}: it may not carry ${what}${unverified} and no secure link is available`,
    };
  }
  if (contactChannel.carriesSecureLinkNotice === false) {
    return {
      ok: false,
      block: 'cannot_carry',
      verdict: `cannot carry ${what} or a secure link`,
      reason: `skipped ${name}: it may not carry ${what} and cannot deliver a secure link`,
    };
  }
  reasons.push(
    `will go as a secure link: contains ${what}, which ${name} may not carry${unverified}; only a notice goes by ${name}`,
  );
  return { ok: true, securedVia: 'securelink', verdict: 'used, content behind a secure link', reasons };
}

function refusalCode(outcomes: Extract<Outcome, { ok: false }>[]): PolicyRefusal {
  const reachable = outcomes.filter((o) => o.block !== 'no_address' && o.block !== 'undeliverable');
  if (reachable.length === 0) return 'no_address';
  if (reachable.some((o) => o.block === 'cannot_carry')) return 'no_channel_allowed';
  if (reachable.every((o) => o.block === 'no_marketing_opt_in')) return 'marketing_requires_opt_in';
  return 'consent_opted_out';
}

const refusalSummaries: Readonly<Record<PolicyRefusal, string>> = {
  no_address: 'refused: the contact has no deliverable address on any channel that could be used',
  consent_opted_out: 'refused: the contact opted out on every channel that could be used',
  marketing_requires_opt_in: 'refused: marketing needs an explicit opt-in, and the contact gave none',
  no_channel_allowed: 'refused: no usable channel may carry this content',
};

/** Sends quiet hours never hold, and why (an automated send is held unless marked urgent). */
const neverDeferred: Readonly<Partial<Record<Initiator, string>>> = {
  staff_reply: 'staff replies are never deferred',
  emergency_safety: 'emergency safety messages are never deferred',
  carrier_keyword_reply: 'carrier keyword replies are never deferred',
};

/** Quiet hours: automated, non-urgent messages wait for the sending window; nothing else does. */
/**
 * "08:00 America/Chicago on 2026-12-08". A campaign's deferred recipients share a few openings; luxon
 * took a fifth of a preview's time formatting the same one again for each of them.
 */
function localOpening(opensAt: Date, zone: string): string {
  const key = `${opensAt.getTime()} ${zone}`;
  let text = recentOpenings.get(key);
  if (text === undefined) {
    const local = DateTime.fromJSDate(opensAt, { zone: luxonZone(zone)! });
    text = `${local.toFormat('HH:mm')} ${zone} on ${local.toISODate()}`;
    if (recentOpenings.size >= 1000) recentOpenings.clear();
    recentOpenings.set(key, text);
  }
  return text;
}

const recentOpenings = new Map<string, string>();

function applyQuietHours(input: PolicyInput): { scheduledFor?: Date; reasons: string[] } {
  const resolved = resolveTimeZone(input.contact.timeZone, input.clinicTimeZone);
  const defer = input.initiator === 'automated' && !input.urgent;
  // Only an automated send that may wait takes a narrower window; every other send keeps the default.
  const sendingWindow = (defer && input.sendingWindow) || defaultSendingWindow;
  const opensAt = nextAllowedTime(input.now, resolved.zone, sendingWindow);
  const reasons: string[] = [];
  if (resolved.fellBack && (defer || opensAt)) {
    reasons.push(`contact time zone unknown or invalid: quiet hours use the clinic's (${resolved.zone})`);
  }
  if (!opensAt) return { reasons };

  const window = `${sendingWindow.start}–${sendingWindow.end} ${resolved.zone}`;
  if (defer) {
    reasons.push(
      `deferred to ${localOpening(opensAt, resolved.zone)}: ${sendingWindow === defaultSendingWindow ? 'quiet hours' : "the patient's morning"} (sending window ${window})`,
    );
    return { scheduledFor: opensAt, reasons };
  }
  const why = neverDeferred[input.initiator] ?? 'marked urgent';
  reasons.push(`sent now although outside the sending window (${window}): ${why}`);
  return { reasons };
}

/** Decides whether, where and when one outbound message may go, and says why. */
export function decidePolicy(input: PolicyInput): PolicyDecision {
  const byChannel = new Map<string, ContactChannel>();
  for (const c of input.contact.channels) if (!byChannel.has(c.channel)) byChannel.set(c.channel, c);

  const candidates = candidateChannels(input);
  // A staff reply stays in the thread; a carrier keyword reply answers on the keyword's channel only.
  const pinned =
    (input.initiator === 'staff_reply' || input.initiator === 'carrier_keyword_reply') &&
    input.requestedChannel !== undefined;
  const considered: PolicyDecision['considered'] = [];
  const reasons: string[] = [];
  const failures: Extract<Outcome, { ok: false }>[] = [];

  for (const [index, channel] of candidates.entries()) {
    if (pinned && index > 0) {
      const verdict =
        input.initiator === 'staff_reply'
          ? 'not tried: a staff reply stays on the conversation channel'
          : "not tried: a carrier keyword reply stays on the keyword's channel";
      considered.push({ channel, verdict });
      continue;
    }
    const outcome = evaluateChannel(input, channel, byChannel.get(channel));
    if (!outcome.ok) {
      considered.push({ channel, verdict: outcome.verdict });
      reasons.push(outcome.reason);
      failures.push(outcome);
      continue;
    }

    considered.push({ channel, verdict: outcome.verdict });
    for (const rest of candidates.slice(index + 1)) {
      considered.push({ channel: rest, verdict: `not tried: ${channelLabel(channel)} was used` });
    }
    reasons.push(`will go by ${channelLabel(channel)}`, ...outcome.reasons);
    const quiet = applyQuietHours(input);
    reasons.push(...quiet.reasons);
    return {
      allowed: true,
      channel,
      ...(outcome.securedVia ? { securedVia: outcome.securedVia } : {}),
      ...(quiet.scheduledFor ? { scheduledFor: quiet.scheduledFor } : {}),
      reasons,
      considered,
    };
  }

  const code = refusalCode(failures);
  if (pinned && input.requestedChannel && input.initiator === 'carrier_keyword_reply') {
    reasons.push(
      `refused: a carrier keyword reply goes only on ${channelLabel(input.requestedChannel)}, where the keyword came`,
    );
  } else if (pinned && input.requestedChannel) {
    reasons.push(
      `refused: a staff reply stays on ${channelLabel(input.requestedChannel)}, the conversation's channel, and is not moved to another`,
    );
  } else {
    reasons.push(refusalSummaries[code]);
  }
  return { allowed: false, code, reasons, considered };
}
