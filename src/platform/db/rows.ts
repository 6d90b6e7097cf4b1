/**
 * The rows of a raw `db.execute` result. The hub's Database type spans node-postgres and PGlite, whose
 * results both carry `rows` but which drizzle types as unknown.
 */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
