import { DateTime } from 'luxon';
import { resolveTimeZone } from '../../policy/quiet-hours';

/** Opening windows per ISO weekday (1 = Monday … 7 = Sunday), in minutes of the local day. */
export type OfficeHours = ReadonlyMap<number, readonly { start: number; end: number }[]>;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export class OfficeHoursError extends Error {
  readonly code = 'invalid_office_hours';
}

function minutes(clock: string, allow24: boolean): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || minute > 59 || hour > 24 || (hour === 24 && (minute > 0 || !allow24))) {
    throw new OfficeHoursError(`"${clock}" is not a time (HH:mm)`);
  }
  return hour * 60 + minute;
}

function dayIndex(name: string): number {
  const index = DAYS.indexOf(name as (typeof DAYS)[number]);
  if (index < 0) throw new OfficeHoursError(`"${name}" is not a day (mon … sun)`);
  return index + 1;
}

/**
 * Parses `mon-fri 08:00-18:00; sat 09:00-12:00` (days and ranges in the clinic's time zone; `24:00`
 * ends a day; `closed` means never open). A day may have several windows. Throws OfficeHoursError.
 */
export function parseOfficeHours(text: string): OfficeHours {
  const hours = new Map<number, { start: number; end: number }[]>();
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'closed') return hours;
  for (const part of trimmed.split(';').map((p) => p.trim())) {
    if (!part) continue;
    const match = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(part);
    if (!match) throw new OfficeHoursError(`"${part}" must look like mon-fri 08:00-18:00`);
    const first = dayIndex(match[1]!);
    const last = match[2] ? dayIndex(match[2]) : first;
    const start = minutes(match[3]!, false);
    const end = minutes(match[4]!, true);
    if (end <= start) throw new OfficeHoursError(`"${part}": a window ends after it starts`);
    // mon-fri counts forward; fri-mon wraps through the weekend.
    for (let day = first, steps = 0; steps < 7; day = (day % 7) + 1, steps++) {
      hours.set(day, [...(hours.get(day) ?? []), { start, end }]);
      if (day === last) break;
    }
  }
  if (hours.size === 0) throw new OfficeHoursError('no opening hours given (write "closed" for none)');
  return hours;
}

/** True when `now` falls in an opening window, on the local wall clock of `timeZone`. */
export function isWithinOfficeHours(now: Date, timeZone: string, hours: OfficeHours): boolean {
  const { zone } = resolveTimeZone(timeZone, timeZone);
  const local = DateTime.fromJSDate(now, { zone });
  const minute = local.hour * 60 + local.minute;
  return (hours.get(local.weekday) ?? []).some((w) => minute >= w.start && minute < w.end);
}
