import { and, eq, type SQL, sql } from 'drizzle-orm';
import { anyOf } from '../platform/db/any-of';
import { type AudienceFilter, audienceMembers } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import type { Queryable } from '../platform/db/database';

/**
 * A static list's own columns as template variables. An import writes a row's extra columns to the
 * contact's attributes, and a later import (another list) overwrites them: a patient on last year's
 * flu list and on this month's recall list has one `vaccine` attribute, the last file's. The list
 * keeps each member's values as its file had them (audience_members.columns), and a campaign to the
 * list reads those first, then the contact's attributes for what the list's file did not have.
 */

/** The attributes a campaign's template reads for the contact in this query: SQL, for the planner. */
export function recipientAttributes(filter: AudienceFilter): SQL<Record<string, string>> {
  if (!filter.list) return sql<Record<string, string>>`${contacts.attributes}`;
  return sql<
    Record<string, string>
  >`(${contacts.attributes} || coalesce((select m.columns from ${audienceMembers} m where m.audience_id = ${filter.list} and m.contact_id = ${contacts.id}), '{}'::jsonb))`;
}

/** The list's columns of these contacts (none when the filter names no list), for the preview. */
export async function listColumnsOf(
  db: Queryable,
  filter: AudienceFilter,
  contactIds: string[],
): Promise<Map<string, Record<string, string>>> {
  if (!filter.list || contactIds.length === 0) return new Map();
  const rows = await db
    .select({ contactId: audienceMembers.contactId, columns: audienceMembers.columns })
    .from(audienceMembers)
    .where(and(eq(audienceMembers.audienceId, filter.list), anyOf(audienceMembers.contactId, contactIds)));
  return new Map(rows.map((row) => [row.contactId, row.columns]));
}
