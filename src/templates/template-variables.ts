import { DateTime, IANAZone } from 'luxon';
import { TemplateError } from './template-errors';
import type { VariableDefinition } from './template-types';

/** What a render needs to turn values into text. */
export interface ValueContext {
  templateId: string;
  locale: string;
  timeZone: string;
}

/**
 * Whether luxon knows the zone name. Luxon builds an Intl formatter for each check, which cost most
 * of a campaign's rendering; a name's answer never changes, so it is kept (bounded: the zone comes
 * from patient data).
 */
const ianaZones = new Map<string, boolean>();
function isIanaZone(name: string): boolean {
  const known = ianaZones.get(name);
  if (known !== undefined) return known;
  const valid = IANAZone.isValidZone(name);
  if (ianaZones.size < 2000) ianaZones.set(name, valid);
  return valid;
}

/**
 * Checks every declared variable of a request and returns the Handlebars context: strings as given,
 * numbers formatted for the locale, dates as luxon DateTimes in the request's zone and locale (the
 * `date`/`datetime` formatters print them). Optional variables left out render as empty text;
 * undeclared extras are dropped. Errors name the variable, never its value.
 */
export function buildRenderContext(
  declared: Record<string, VariableDefinition>,
  values: Record<string, unknown>,
  context: ValueContext,
): Record<string, unknown> {
  if (!isIanaZone(context.timeZone)) {
    throw new TemplateError(
      'template_variable_invalid',
      `timeZone "${context.timeZone}" is not an IANA time zone`,
      {
        templateId: context.templateId,
        timeZone: context.timeZone,
      },
    );
  }
  const result: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(declared)) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (isAbsent(value)) {
      if (definition.required) {
        throw new TemplateError(
          'template_variable_missing',
          `template "${context.templateId}" needs variable "${name}" (${definition.type})`,
          { templateId: context.templateId, variable: name, type: definition.type },
        );
      }
      result[name] = '';
      continue;
    }
    const converted = convert(definition.type, value, context);
    if (converted === undefined) {
      throw new TemplateError(
        'template_variable_invalid',
        `variable "${name}" of template "${context.templateId}" must be ${EXPECTED[definition.type]}`,
        { templateId: context.templateId, variable: name, type: definition.type },
      );
    }
    result[name] = converted;
  }
  return result;
}

const EXPECTED: Record<VariableDefinition['type'], string> = {
  string: 'a string',
  number: 'a finite number',
  url: 'an absolute http(s) URL',
  date: 'a Date or an ISO 8601 date',
  datetime: 'a Date or an ISO 8601 date-time',
};

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function convert(type: VariableDefinition['type'], value: unknown, context: ValueContext): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? new Intl.NumberFormat(context.locale).format(value)
        : undefined;
    case 'url':
      return typeof value === 'string' && isHttpUrl(value) ? value : undefined;
    case 'date':
    case 'datetime':
      return toDateTime(value, context);
  }
}

function isHttpUrl(value: string): boolean {
  // Only http(s): a javascript: or data: URL must never reach an email or secure page.
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:';
}

function toDateTime(value: unknown, context: ValueContext): DateTime | undefined {
  let parsed: DateTime;
  if (value instanceof Date) {
    parsed = DateTime.fromJSDate(value, { zone: context.timeZone });
  } else if (typeof value === 'string') {
    // A value without an offset ("2025-03-14", "2025-03-14T09:00") is a wall-clock time in the request's zone.
    parsed = DateTime.fromISO(value.trim(), { zone: context.timeZone });
  } else {
    return undefined;
  }
  return parsed.isValid ? parsed.setLocale(context.locale) : undefined;
}
