/**
 * How errors are logged. Drizzle's query errors carry every bound value (in `params` and in their
 * message, hence their stack), and PostgreSQL's own errors quote row values in `detail`, `where`
 * and some messages: one failed insert of a batch used to put message bodies, phone numbers and
 * dates of birth of every message in it into the log. Errors are logged with their SQL state, the
 * statement's name and the place in the code, never with the values.
 */

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  /** The statement that failed, by its verb and table or function: `insert into "messages"`. */
  statement?: string;
  /** PostgreSQL's SQLSTATE, e.g. `22021` for a NUL byte in text. */
  sqlState?: string;
  cause?: SerializedError;
  [field: string]: unknown;
}

/** Fields of PostgreSQL's errors that name things (columns, constraints), never values. */
const DATABASE_FIELDS = ['severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'];

/** Fields that carry request or row content on errors from Drizzle, pg and HTTP clients. */
const CONTENT_FIELDS = new Set([
  'params',
  'query',
  'detail',
  'where',
  'internalQuery',
  'hint',
  'body',
  'text',
  'data',
  'request',
  'response',
  'config',
  'headers',
]);

const MAX_DEPTH = 5;
const MAX_FIELD_CHARS = 500;

function isDrizzleQueryError(error: Error): error is Error & { query: string } {
  return typeof (error as { query?: unknown }).query === 'string' && 'params' in error;
}

function isDatabaseError(error: Error): error is Error & { code: string } {
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/** A statement's verb and target, without its text: `insert into "messages"`, `select from careline_store_inbound`. */
export function statementName(query: string): string {
  const sql = query.replace(/\s+/g, ' ').trim();
  const write = /^(insert into|update|delete from) ([\w."]+)/i.exec(sql);
  if (write) return `${write[1]!.toLowerCase()} ${write[2]}`;
  const read = /^(select|with)\b.*?\bfrom ([\w."]+)/i.exec(sql);
  if (read) return `${read[1]!.toLowerCase()} from ${read[2]}`;
  return (/^\w+/.exec(sql)?.[0] ?? 'statement').toLowerCase();
}

/**
 * PostgreSQL quotes the offending value after a colon in some messages
 * (`invalid input syntax for type uuid: "…"`); names it quotes elsewhere (constraints) are kept.
 */
function withoutQuotedValues(message: string): string {
  return message.replace(/: ".*"/s, ': [value redacted]');
}

function framesOf(error: Error): string[] {
  return (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
}

/** An error as logged; any other value is returned as it is. */
export function serializeError(value: unknown): unknown {
  return value instanceof Error ? serializeErrorChain(value, 0) : value;
}

function serializeErrorChain(error: Error, depth: number): SerializedError {
  const type = error.constructor?.name || error.name || 'Error';
  const out: SerializedError = { type, message: '' };
  if (isDrizzleQueryError(error)) {
    out.statement = statementName(error.query);
    out.message = `Failed query: ${out.statement}`;
  } else if (isDatabaseError(error)) {
    out.message = withoutQuotedValues(error.message);
    out.sqlState = error.code;
    const fields = error as unknown as Record<string, unknown>;
    for (const field of DATABASE_FIELDS) if (typeof fields[field] === 'string') out[field] = fields[field];
  } else {
    out.message = error.message;
    for (const [field, value] of Object.entries(error)) {
      if (CONTENT_FIELDS.has(field) || field === 'cause' || field === 'message' || field === 'stack')
        continue;
      if (typeof value === 'string') out[field] = value.slice(0, MAX_FIELD_CHARS);
      else if (typeof value === 'number' || typeof value === 'boolean') out[field] = value;
    }
  }
  // The stack's first line repeats the message: rebuilt from the safe one.
  out.stack = [`${type}: ${out.message}`, ...framesOf(error)].join('\n');
  // Only an Error is followed: a cause of any other shape may be the very payload that failed.
  if (error.cause instanceof Error && depth < MAX_DEPTH) {
    const cause = serializeErrorChain(error.cause, depth + 1);
    out.cause = cause;
    out.sqlState ??= cause.sqlState;
  }
  return out;
}
