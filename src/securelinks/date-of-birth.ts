import { timingSafeEqual } from 'node:crypto';

/**
 * A date of birth as typed: `YYYY-MM-DD` naming a real calendar day, else null. The page's date
 * input sends this shape; other shapes are refused rather than guessed (03/04 is two dates).
 */
export function parseDateOfBirth(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const value = input.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 1900 ? value : null;
}

/** Compares two `YYYY-MM-DD` dates without an early exit; a contact with no date of birth never matches. */
export function datesOfBirthMatch(given: string, stored: string | null): boolean {
  if (!stored) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
