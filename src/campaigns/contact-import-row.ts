import { IANAZone } from 'luxon';
import { normalizeTags } from '../contacts/contact-tags';
import { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
import { canonicalLanguageTag, LANGUAGE_TAG_RULE } from '../platform/locale/language-tag';

/** The columns an import knows; any other column becomes a contact attribute. */
export const KNOWN_COLUMNS = [
  'name',
  'phone',
  'email',
  'dateOfBirth',
  'language',
  'timeZone',
  'externalId',
  'tags',
] as const;

/** Only what the row gives: an empty cell leaves the contact's field as it is. */
export interface ImportedContact {
  name?: string;
  phone?: string;
  email?: string;
  dateOfBirth?: string;
  language?: string;
  timeZone?: string;
  externalId?: string;
  tags?: string[];
  attributes: Record<string, string>;
}

export interface RowProblem {
  column: string | null;
  code: string;
  message: string;
}

export type ValidatedRow = { ok: true; contact: ImportedContact } | { ok: false; problem: RowProblem };

const MAX_CELL = 500;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_ .-]{0,63}$/;

function validDate(value: string, today: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value && value <= today;
}

const reject = (column: string | null, code: string, message: string): ValidatedRow => ({
  ok: false,
  problem: { column, code, message },
});

/**
 * Checks one CSV row (a record keyed by header) and normalizes it: E.164 phone, lower-cased email,
 * ISO date of birth, a canonical language tag, an IANA time zone, `;`-separated tags. Problem messages name the column and the
 * rule, never the cell's value (it may be PHI).
 */
export function validateImportRow(
  record: Record<string, string | undefined>,
  options: { defaultRegion: string; today: string },
): ValidatedRow {
  const cell = (column: string) => {
    const value = record[column]?.trim();
    return value ? value : undefined;
  };
  for (const [column, value] of Object.entries(record)) {
    if (value && value.length > MAX_CELL) {
      return reject(column, 'cell_too_long', `${column} is longer than ${MAX_CELL} characters`);
    }
  }
  const contact: ImportedContact = { attributes: {} };
  const name = cell('name');
  if (name) contact.name = name;
  const rawPhone = cell('phone');
  if (rawPhone) {
    const phone = normalizePhone(rawPhone, options.defaultRegion);
    if (!phone) return reject('phone', 'invalid_phone', 'phone is not a valid phone number');
    contact.phone = phone;
  }
  const rawEmail = cell('email');
  if (rawEmail) {
    const email = normalizeEmail(rawEmail);
    if (!email) return reject('email', 'invalid_email', 'email is not a valid email address');
    contact.email = email;
  }
  const dateOfBirth = cell('dateOfBirth');
  if (dateOfBirth) {
    if (!validDate(dateOfBirth, options.today)) {
      return reject('dateOfBirth', 'invalid_date_of_birth', 'dateOfBirth must be a past date as YYYY-MM-DD');
    }
    contact.dateOfBirth = dateOfBirth;
  }
  const rawLanguage = cell('language');
  if (rawLanguage) {
    const language = canonicalLanguageTag(rawLanguage);
    if (!language) return reject('language', 'invalid_language', `language ${LANGUAGE_TAG_RULE}`);
    contact.language = language;
  }
  const timeZone = cell('timeZone');
  if (timeZone) {
    if (!IANAZone.isValidZone(timeZone)) {
      return reject('timeZone', 'invalid_time_zone', 'timeZone must be an IANA zone such as America/Chicago');
    }
    contact.timeZone = timeZone;
  }
  const externalId = cell('externalId');
  if (externalId) contact.externalId = externalId;
  const tags = cell('tags');
  if (tags !== undefined) {
    contact.tags = normalizeTags(tags.split(';'));
  }
  for (const [column, value] of Object.entries(record)) {
    if ((KNOWN_COLUMNS as readonly string[]).includes(column)) continue;
    const trimmed = value?.trim();
    if (!trimmed) continue;
    if (!ATTRIBUTE_NAME.test(column)) {
      return reject(
        column,
        'invalid_column',
        'a column name must start with a letter (at most 64 characters)',
      );
    }
    contact.attributes[column] = trimmed;
  }
  if (!contact.externalId && !contact.phone && !contact.email) {
    return reject(null, 'no_identity', 'a row needs an externalId, a phone or an email');
  }
  return { ok: true, contact };
}
