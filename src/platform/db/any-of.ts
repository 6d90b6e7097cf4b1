import { type Column, type SQL, sql } from 'drizzle-orm';

/**
 * `column = any($1::uuid[])`: the ids travel as one array parameter. drizzle's inArray sends one
 * parameter per id, and building a statement of thousands of them cost more than running it (a
 * campaign's page of recipients).
 */
export function anyOf(column: Column, ids: string[]): SQL {
  return sql`${column} = any(${sql.param(ids)}::uuid[])`;
}
