/**
 * Text PostgreSQL refuses, made storable. A `text` column refuses NUL (U+0000); `jsonb` refuses the
 * `\u0000` escape and lone UTF-16 surrogates, which JSON.stringify writes as `\udXXX` escapes. One
 * such character used to fail the whole statement, and with it every message of its batch. Each is
 * replaced by U+FFFD, so staff still see that something was there.
 */

const REPLACEMENT = '\uFFFD';

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the very character to find
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with NUL and unpaired surrogates replaced by U+FFFD; the same string when it has none. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Every string inside `value` made storable, keys of plain objects included. Arrays and plain
 * objects are copied only where something changed; anything else (Buffers of attachment content,
 * Dates) is returned as it is.
 */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const copy = value.map((item) => {
      const clean = storableDeep(item);
      if (clean !== item) changed = true;
      return clean;
    });
    return (changed ? copy : value) as T;
  }
  if (!isPlainObject(value)) return value;
  let changed = false;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const cleanKey = storableText(key);
    const clean = storableDeep(item);
    if (cleanKey !== key || clean !== item) changed = true;
    copy[cleanKey] = clean;
  }
  return (changed ? copy : value) as T;
}
