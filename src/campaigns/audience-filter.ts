import { and, eq, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AudienceFilter } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import { languageTagSchema } from '../platform/locale/language-tag';

/** An audience filter as the API takes it: `language` may be one code or several. */
export const audienceFilterSchema = z
  .object({
    tags: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
    language: z
      .union([languageTagSchema, z.array(languageTagSchema).max(20)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    ageMin: z.number().int().min(0).max(130).optional(),
    ageMax: z.number().int().min(0).max(130).optional(),
    list: z.uuid().optional(),
  })
  .strict()
  .refine((f) => f.ageMin === undefined || f.ageMax === undefined || f.ageMin <= f.ageMax, {
    message: 'ageMin must not be above ageMax',
  }) satisfies z.ZodType<AudienceFilter, unknown>;

/**
 * The SQL condition on `contacts` for a filter, evaluated by PostgreSQL (no contact is loaded into
 * Node to decide). Tags: all of them. Language: the contact's, or its base language ("es" matches
 * "es-MX"), compared without regard to case: tags are stored canonical (`es-MX`), but contacts imported
 * before that, and filters saved before that, may hold `es-mx`. Age: whole years from the date of birth today; a contact with no date of birth has no
 * age and is left out by an age filter. List: the members of a static list (by primary key).
 */
export function audienceCondition(orgId: string, filter: AudienceFilter): SQL {
  const conditions: SQL[] = [eq(contacts.orgId, orgId)];
  if (filter.tags?.length) conditions.push(sql`${contacts.tags} @> ${JSON.stringify(filter.tags)}::jsonb`);
  if (filter.language?.length) {
    const wanted = filter.language.map((tag) => tag.toLowerCase());
    const language = sql`lower(${contacts.language})`;
    conditions.push(sql`(${language} in ${wanted} or split_part(${language}, '-', 1) in ${wanted})`);
  }
  if (filter.ageMin !== undefined) {
    conditions.push(sql`${contacts.dateOfBirth} <= current_date - make_interval(years => ${filter.ageMin})`);
  }
  if (filter.ageMax !== undefined) {
    conditions.push(
      sql`${contacts.dateOfBirth} > current_date - make_interval(years => ${filter.ageMax + 1})`,
    );
  }
  if (filter.list) {
    conditions.push(
      sql`exists (select 1 from audience_members m where m.audience_id = ${filter.list} and m.contact_id = ${contacts.id})`,
    );
  }
  return and(...conditions)!;
}
