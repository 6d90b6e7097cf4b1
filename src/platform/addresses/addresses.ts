import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** E.164 form of a phone number, or null when it is not a valid number. */
export function normalizePhone(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion as CountryCode);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/** Lower-cased, trimmed email address, or null when it does not look like one. */
export function normalizeEmail(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? value : null;
}
