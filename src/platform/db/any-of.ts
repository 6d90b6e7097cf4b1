import { type Column, type SQL, sql } from 'drizzle-orm';

/**
 * `column = any($1::uuid[])`: the ids travel as one array parameter. drizzle's inArray sends one
 * parameter per id, and building a statement of thousands of them cost more than running it (a
 * campaign's page of recipients).
 *
 * The ids' range is stated too. PostgreSQL cannot tell how selective `= any(2,000 ids)` is and read
 * the whole table for each page of a campaign (30 ms a page at 100,000 contacts); told the range, which
 * for a page of a sorted audience is narrow, it reads the column's index over that range instead.
 * Lower-case hex compares as PostgreSQL compares uuids (byte by byte), so the bounds are exact.
 */
export function anyOf(column: Column, ids: string[]): SQL {
  if (ids.length === 0) return sql`false`;
  let low = ids[0]!.toLowerCase();
  let high = low;
  for (const id of ids) {
    const lower = id.toLowerCase();
    if (lower < low) low = lower;
    if (lower > high) high = lower;
  }
  return sql`(${column} = any(${sql.param(ids)}::uuid[]) and ${column} between ${low}::uuid and ${high}::uuid)`;
}
