import Handlebars from 'handlebars';
import { DateTime } from 'luxon';

export type CompiledBody = Handlebars.TemplateDelegate<Record<string, unknown>>;

// Short forms, as the hub's own automatic replies show times: "Fri, Mar 14, 9:30 AM" / "vie, 14 mar, 9:30".
const DATE_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
};
const DATETIME_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
};

// An environment of our own, so helpers registered here never leak into (or from) the global Handlebars.
const handlebars = Handlebars.create();
handlebars.registerHelper('date', (value: unknown) => formatDate(value, DATE_FORMAT));
handlebars.registerHelper('datetime', (value: unknown) => formatDate(value, DATETIME_FORMAT));

/** The render context holds DateTimes already set to the request's zone and locale, or '' for an absent optional. */
function formatDate(value: unknown, format: Intl.DateTimeFormatOptions): string {
  if (value === '') return '';
  if (!DateTime.isDateTime(value))
    throw new TypeError('date formatter applied to a value that is not a date');
  // ICU puts narrow no-break spaces in times ("11:30\u202fAM"); one such character makes a whole SMS
  // UCS-2 and halves its length, so every space becomes a plain one.
  return value.toLocaleString(format).replace(/\s/gu, ' ');
}

/**
 * Compiles a parsed body. `html` bodies (email html, secure page) HTML-escape every value; plain bodies
 * (SMS, voice, webchat, email text and subject) insert values as they are, with no entities.
 */
export function compileBody(program: hbs.AST.Program, options: { html: boolean }): CompiledBody {
  return handlebars.compile<Record<string, unknown>>(program, {
    noEscape: !options.html,
    strict: true,
    knownHelpers: { date: true, datetime: true },
    knownHelpersOnly: true,
  });
}
