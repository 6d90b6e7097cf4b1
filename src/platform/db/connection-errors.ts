/**
 * Whether an error means "the database cannot be reached right now" (down, restarting, failing over)
 * rather than "this request is wrong". Such requests get 503 and a Retry-After, which webhook
 * senders retry, instead of a 500 that says the hub is broken.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

// SQLSTATE class 08 (connection exception) and the shutdown states of class 57 (operator intervention).
const UNAVAILABLE_STATES = /^(08...|57P01|57P02|57P03)$/;

// node-postgres reports a dropped or never-made connection with these messages and no code.
const UNREACHABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  // Drizzle wraps the driver's error in its own (`cause`); walk the chain, not too far.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_STATES.test(code)))
      return true;
    if (UNREACHABLE_MESSAGES.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Whether an error is PostgreSQL's unique violation (SQLSTATE 23505): the row exists already. Drizzle
 * wraps the driver's error (`cause`), so the chain is walked, each error once.
 */
export function isUniqueViolation(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
