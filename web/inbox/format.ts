import type { ChannelView } from '../../contracts/inbox-api';

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
