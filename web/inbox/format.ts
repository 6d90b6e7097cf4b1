import type { ChannelView } from '../../contracts/inbox-api';
import type { PolicyDecision } from './model';

/**
 * The channels this hub runs, as their adapters declare them (`GET /channels`), learned once the
 * staff member is signed in (web/shared/channels.tsx): the page names no channel of its own, so a
 * new channel shows with its label and mark with no edit here.
 */
const known = new Map<string, ChannelView>();

export function learnChannels(channels: readonly ChannelView[]): void {
  known.clear();
  for (const channel of channels) known.set(channel.channel, channel);
}

/** The channels the hub runs, in the hub's order. */
export const knownChannels = (): ChannelView[] => [...known.values()];

// Short text marks rather than emoji: they render the same on every machine, fonts or not.
export const channelIcon = (channel: string | null | undefined): string =>
  (channel && known.get(channel)?.mark) || (channel ?? '?');

/** A channel's name for people: "Web chat", "Secure link"; never the API's id. */
export const channelLabel = (channel: string | null | undefined): string =>
  (channel && known.get(channel)?.title) || (channel ?? 'unknown');

/** The same name inside a sentence ("will go by web chat"), as the hub's own reasons write it. */
const channelInSentence = (channel: string | null | undefined): string =>
  (channel && known.get(channel)?.label) || (channel ?? 'unknown');

/** "in 1h 05m", "12m overdue": the time left before an SLA deadline. */
export function slaCountdown(dueAt: string | null, now: number): { text: string; breached: boolean } | null {
  if (!dueAt) return null;
  const ms = new Date(dueAt).getTime() - now;
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const text =
    minutes >= 1440
      ? `${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`
      : minutes >= 60
        ? `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`
        : `${minutes}m`;
  return ms >= 0 ? { text, breached: false } : { text: `${text} overdue`, breached: true };
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const DAY_AND_TIME = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The one way the inbox writes a moment, in the reader's locale: "8:50 PM" today, "Dec 5, 8:50 PM"
 * on another day this year, "Dec 5, 2025, 8:50 PM" before that. Rows, messages, notes, snoozes,
 * deferred sends and the supervisor view all use it, so a time never stands without its date.
 */
export function formatWhen(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return TIME.format(date);
  return date.getFullYear() === today.getFullYear() ? DAY_AND_TIME.format(date) : FULL.format(date);
}

/** The full date and time, for a tooltip. */
export const fullDateTime = (iso: string): string => FULL.format(new Date(iso));

export const shortTime = formatWhen;
export const clockTime = (iso: string): string => formatWhen(iso);

const REFUSALS: Record<string, string> = {
  consent_opted_out: 'blocked: opted out',
  marketing_requires_opt_in: 'blocked: marketing needs an opt-in',
  no_channel_allowed: 'blocked: no channel may carry this content',
  no_address: 'blocked: no address for this patient',
  template_not_found: 'blocked: no such template',
  template_variable_missing: 'blocked: a template variable is missing',
  contact_not_found: 'blocked: unknown contact',
};

/** One line saying what a send would do, from the policy decision. */
export function describeDecision(decision: PolicyDecision): string {
  if (!decision.allowed) {
    return (decision.code && REFUSALS[decision.code]) ?? `blocked: ${decision.code ?? 'refused'}`;
  }
  const parts: string[] = [];
  if (decision.securedVia === 'securelink') {
    parts.push(
      `will go as a secure link${decision.channel ? ` announced by ${channelInSentence(decision.channel)}` : ''}`,
    );
  } else {
    parts.push(`will go by ${channelInSentence(decision.channel)}`);
  }
  if (decision.scheduledFor) parts.push(`deferred to ${clockTime(decision.scheduledFor)}: quiet hours`);
  return parts.join('; ');
}

export const STATUS_LABELS: Record<string, string> = {
  pending: 'pending',
  sending: 'sending',
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  read: 'read',
};
