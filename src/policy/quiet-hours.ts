import { DateTime, type Zone } from 'luxon';

/** Local wall-clock times, `HH:mm`, 24-hour. `start` is inclusive, `end` exclusive. */
export interface QuietHoursWindow {
  start: string;
  end: string;
}

/** When automated messages may reach a patient, in the patient's own time zone. */
export const defaultSendingWindow: Readonly<QuietHoursWindow> = { start: '08:00', end: '21:00' };

/**
 * A campaign sent "in each patient's morning": inside the default window, so a send the morning
 * window lets through is never one quiet hours would hold.
 */
export const morningSendingWindow: Readonly<QuietHoursWindow> = { start: '09:00', end: '12:00' };

/** A time zone that cannot be used even as a fallback: a configuration error, not a patient's data. */
export class InvalidTimeZoneError extends Error {
  readonly code = 'invalid_time_zone';
  constructor(readonly timeZone: string) {
    super(`Not a usable time zone: ${JSON.stringify(timeZone)}`);
    this.name = 'InvalidTimeZoneError';
  }
}

export interface ResolvedTimeZone {
  zone: string;
  /** True when the requested zone was missing or invalid and the fallback was used. */
  fellBack: boolean;
}

/**
 * Zones by name, as luxon resolved them, or null for a name it does not know. Luxon checks a zone
 * name by building an Intl formatter each time a date is made with it, which costs most of a
 * campaign's policy decisions; a name's answer never changes, so it is kept. Bounded, as contact
 * zones are patient data.
 */
const resolvedZones = new Map<string, Zone | null>();
const MAX_RESOLVED_ZONES = 2000;

/** The luxon zone for a name, or null when the name is not a usable zone. */
export function luxonZone(name: string): Zone | null {
  const known = resolvedZones.get(name);
  if (known !== undefined) return known;
  // Checked against a fixed instant so the answer never depends on the clock.
  const probe = DateTime.fromMillis(0, { zone: name });
  const zone = probe.isValid ? probe.zone : null;
  if (resolvedZones.size < MAX_RESOLVED_ZONES) resolvedZones.set(name, zone);
  return zone;
}

function isUsableZone(zone: string): boolean {
  return luxonZone(zone) !== null;
}

/**
 * The zone to compute in: `timeZone` when it is a zone luxon knows (IANA names such as
 * `America/Chicago`, or `UTC`), else `fallbackTimeZone`. A contact's zone comes from patient data
 * and may be missing or wrong, so it falls back; the fallback (a clinic's zone) is configuration,
 * so an invalid fallback throws InvalidTimeZoneError rather than guessing.
 */
export function resolveTimeZone(
  timeZone: string | null | undefined,
  fallbackTimeZone: string,
): ResolvedTimeZone {
  const requested = timeZone?.trim();
  if (requested && isUsableZone(requested)) return { zone: requested, fellBack: false };
  if (!isUsableZone(fallbackTimeZone)) throw new InvalidTimeZoneError(fallbackTimeZone);
  return { zone: fallbackTimeZone, fellBack: true };
}

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseClock(value: string): { hour: number; minute: number } {
  const match = hhmm.exec(value);
  if (!match) throw new RangeError(`Quiet-hours time must be HH:mm, got ${JSON.stringify(value)}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * Null when `now` is inside the sending window in `timeZone`; otherwise the next moment the window
 * opens there (today's start if the day's window has not opened yet, else tomorrow's).
 *
 * The arithmetic is done on the local calendar with luxon, so a night on which daylight saving
 * starts or ends is 23 or 25 hours long and the answer is still the local start time. A window
 * whose end is before its start (e.g. 22:00–06:00) spans midnight.
 *
 * An invalid or empty `timeZone` falls back to `fallbackTimeZone` (UTC unless given); an invalid
 * fallback throws InvalidTimeZoneError.
 */
export function nextAllowedTime(
  now: Date,
  timeZone: string,
  window: QuietHoursWindow = defaultSendingWindow,
  fallbackTimeZone = 'UTC',
): Date | null {
  const name = resolveTimeZone(timeZone, fallbackTimeZone).zone;
  // A batch of decisions shares its `now`, and its contacts a few zones: each pair is worked out once.
  const key = `${now.getTime()} ${name} ${window.start} ${window.end}`;
  let opens = recentAnswers.get(key);
  if (opens === undefined) {
    opens = opensAfter(now, luxonZone(name)!, window);
    if (recentAnswers.size >= MAX_RECENT_ANSWERS) recentAnswers.clear();
    recentAnswers.set(key, opens);
  }
  return opens && new Date(opens.getTime());
}

const recentAnswers = new Map<string, Date | null>();
const MAX_RECENT_ANSWERS = 1000;

function opensAfter(now: Date, zone: Zone, window: QuietHoursWindow): Date | null {
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  const local = DateTime.fromJSDate(now, { zone });

  const minuteOfDay = local.hour * 60 + local.minute;
  const startMinute = start.hour * 60 + start.minute;
  const endMinute = end.hour * 60 + end.minute;
  const inside =
    startMinute <= endMinute
      ? minuteOfDay >= startMinute && minuteOfDay < endMinute
      : minuteOfDay >= startMinute || minuteOfDay < endMinute;
  if (inside) return null;

  // Built from the calendar date, so a start time that falls in a DST gap (luxon moves it to the
  // first instant that exists) does not carry its shift into the next day.
  const opensOn = (day: DateTime) =>
    DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour: start.hour, minute: start.minute },
      { zone },
    );
  const opensToday = opensOn(local);
  // Noon exists on every day in every zone, so this lands on tomorrow's date whatever DST does.
  const opens = opensToday > local ? opensToday : opensOn(local.set({ hour: 12 }).plus({ days: 1 }));
  return opens.toJSDate();
}
