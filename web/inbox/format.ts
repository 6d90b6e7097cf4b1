import type { PolicyDecision } from './model';

// Short text marks rather than emoji: they render the same on every machine, fonts or not.
const CHANNEL_ICONS: Record<string, string> = {
  sms: 'SMS',
  email: 'Mail',
  voice: 'Call',
  webchat: 'Chat',
  botframework: 'Teams',
  securelink: 'Link',
};

export const channelIcon = (channel: string | null | undefined): string =>
  (channel && CHANNEL_ICONS[channel]) || (channel ?? '?');

export const channelLabel = (channel: string | null | undefined): string =>
  channel === 'sms'
    ? 'SMS'
    : channel === 'securelink'
      ? 'secure link'
      : channel === 'botframework'
        ? 'Teams'
        : (channel ?? 'unknown');

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

export function shortTime(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

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
      `will go as a secure link${decision.channel ? ` announced by ${channelLabel(decision.channel)}` : ''}`,
    );
  } else {
    parts.push(`will go by ${channelLabel(decision.channel)}`);
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
