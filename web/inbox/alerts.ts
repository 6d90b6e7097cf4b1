/**
 * Staff alerts: a sound, a desktop notification and a count in the tab title, for emergencies and for
 * new patient messages in the staff member's queues. Each is a preference kept in this browser.
 */

export type AlertKind = 'emergency' | 'message';
export type AlertMeans = 'sound' | 'notification' | 'title';

export type AlertPreferences = Record<AlertKind, Record<AlertMeans, boolean>>;

/** An emergency is loud by default; an ordinary new message only counts in the title. */
export const DEFAULT_ALERT_PREFERENCES: AlertPreferences = {
  emergency: { sound: true, notification: true, title: true },
  message: { sound: false, notification: false, title: true },
};

const storageKey = (staffId: string) => `careline.alerts.${staffId}`;

export function loadAlertPreferences(staffId: string): AlertPreferences {
  const prefs = structuredClone(DEFAULT_ALERT_PREFERENCES);
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(staffId)) ?? 'null') as unknown;
    if (!saved || typeof saved !== 'object') return prefs;
    for (const kind of ['emergency', 'message'] as const) {
      const forKind = (saved as Record<string, unknown>)[kind];
      if (!forKind || typeof forKind !== 'object') continue;
      for (const means of ['sound', 'notification', 'title'] as const) {
        const value = (forKind as Record<string, unknown>)[means];
        if (typeof value === 'boolean') prefs[kind][means] = value;
      }
    }
  } catch {
    // Unreadable or blocked storage: the defaults.
  }
  return prefs;
}

export function saveAlertPreferences(staffId: string, prefs: AlertPreferences): void {
  try {
    localStorage.setItem(storageKey(staffId), JSON.stringify(prefs));
  } catch {
    // Storage blocked (private mode): the choice holds for this page only.
  }
}

/**
 * The tab title: open emergencies and unread conversations in her queues, so a glance at the tab
 * strip says whether anything waits. Counts come from the queue summary, so a reload keeps them.
 */
export function tabTitle(
  base: string,
  counts: { emergencies: number; unread: number },
  prefs: AlertPreferences,
) {
  const parts: string[] = [];
  if (prefs.emergency.title && counts.emergencies > 0) parts.push(`🚨${counts.emergencies}`);
  if (prefs.message.title && counts.unread > 0) parts.push(`(${counts.unread})`);
  return parts.length > 0 ? `${parts.join(' ')} ${base}` : base;
}

let audio: AudioContext | null = null;

/** A short tone (two for an emergency), made in the page: no audio file to fetch or to block. */
export function playAlertSound(kind: AlertKind): void {
  const Context = window.AudioContext;
  if (!Context) return;
  try {
    audio ??= new Context();
    const start = audio.currentTime;
    const beeps = kind === 'emergency' ? 2 : 1;
    for (let i = 0; i < beeps; i += 1) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = kind === 'emergency' ? 880 : 660;
      gain.gain.value = 0.2;
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + i * 0.3);
      oscillator.stop(start + i * 0.3 + 0.18);
    }
  } catch {
    // A browser that refuses audio before the first click: the title and notification still tell.
  }
}

export function notificationsAvailable(): boolean {
  return typeof window.Notification === 'function';
}

/**
 * A desktop notification. It names the queue only: a notification shows on a locked screen, so it
 * never carries the patient's words or name.
 */
export function showAlertNotification(kind: AlertKind, queueName: string, conversationId: string | null) {
  if (!notificationsAvailable() || Notification.permission !== 'granted') return;
  const title = kind === 'emergency' ? `Emergency in ${queueName}` : `New message in ${queueName}`;
  try {
    const notification = new Notification(title, {
      body: 'Open the CareLine inbox to read it.',
      tag: conversationId ? `careline-${kind}-${conversationId}` : undefined,
    });
    notification.onclick = () => window.focus();
  } catch {
    // Some browsers only allow notifications from a service worker: the title and sound still tell.
  }
}
