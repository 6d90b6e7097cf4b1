import { and, eq, type SQL, sql } from 'drizzle-orm';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { MAX_TAG_LENGTH } from '../contacts/contact-tags';
import type { AudienceFilter } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';
import { HttpError } from '../platform/http/http-error';
import { languageTagSchema } from '../platform/locale/language-tag';
import { activityConditions, appointmentsCondition, dateOrInstantSchema } from './audience-activity';

const channelNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a channel name such as sms');

/** One value or several, kept as a list. */
const oneOrSeveral = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1).max(20)]).transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));

const timeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone such as America/Chicago');

const appointmentStatusSchema = z.enum(['scheduled', 'confirmed', 'cancelled', 'reschedule_requested']);

const appointmentConditionSchema = z
  .object({
    from: dateOrInstantSchema.optional(),
    to: dateOrInstantSchema.optional(),
    status: z.array(appointmentStatusSchema).min(1).max(4).optional(),
    none: z.boolean().optional(),
  })
  .strict()
  .refine((a) => !a.from || !a.to || !outOfOrder(a.from, a.to), {
    message: 'appointments.from must not be after appointments.to',
  });

/** Two dates, or two instants, that read backwards (a date and an instant are left to the clinic's zone). */
function outOfOrder(from: string, to: string): boolean {
  const isDate = (v: string) => v.length === 10;
  if (isDate(from) && isDate(to)) return from > to;
  return !isDate(from) && !isDate(to) && Date.parse(from) > Date.parse(to);
}

/** An audience filter as the API takes it: `language`, `timeZone`, `reachableBy` may be one or several. */
export const audienceFilterSchema = z
  .object({
    tags: z.array(z.string().trim().min(1).max(MAX_TAG_LENGTH)).max(20).optional(),
    language: oneOrSeveral(languageTagSchema).optional(),
    ageMin: z.number().int().min(0).max(130).optional(),
    ageMax: z.number().int().min(0).max(130).optional(),
    list: z.uuid().optional(),
    timeZone: oneOrSeveral(timeZoneSchema).optional(),
    attributes: z
      .record(z.string().trim().min(1).max(100), z.string().max(2000))
      .refine((a) => Object.keys(a).length >= 1 && Object.keys(a).length <= 20, {
        message: 'attributes takes 1 to 20 keys',
      })
      .optional(),
    appointments: appointmentConditionSchema.optional(),
    lastMessageBefore: dateOrInstantSchema.optional(),
    lastMessageAfter: dateOrInstantSchema.optional(),
    lastVisitBefore: dateOrInstantSchema.optional(),
    lastVisitAfter: dateOrInstantSchema.optional(),
    consent: z
      .object({
        channel: channelNameSchema,
        purpose: z.enum(['care', 'administrative', 'marketing']),
        status: z.enum(['opted_in', 'opted_out', 'none']),
      })
      .strict()
      .optional(),
    reachableBy: oneOrSeveral(channelNameSchema).optional(),
  })
  .strict()
  .refine((f) => f.ageMin === undefined || f.ageMax === undefined || f.ageMin <= f.ageMax, {
    message: 'ageMin must not be above ageMax',
  }) satisfies z.ZodType<AudienceFilter, unknown>;

/** What the filter reads of the channels the hub runs: each one's identity kind. */
export type AudienceChannels = Pick<ChannelRegistry, 'get' | 'deliveryChannels'>;

/**
 * A filter names only channels a message is delivered on here (`consent.channel`, `reachableBy`):
 * a typo would otherwise count nobody, silently. 422 `unknown_channel`.
 */
export function assertKnownChannels(filter: AudienceFilter, channels: AudienceChannels): void {
  const known = new Set(channels.deliveryChannels().map((adapter) => adapter.channel));
  const named = [...(filter.reachableBy ?? []), ...(filter.consent ? [filter.consent.channel] : [])];
  const unknown = named.filter((channel) => !known.has(channel));
  if (unknown.length > 0) {
    throw new HttpError(422, 'unknown_channel', `No delivery channel here is named ${unknown.join(', ')}`, {
      channels: unknown,
      known: [...known],
    });
  }
}

/**
 * The SQL condition on `contacts` for a filter, evaluated by PostgreSQL (no contact is loaded into
 * Node to decide). Tags: all of them. Language: the contact's, or its base language ("es" matches
 * "es-MX"), compared without regard to case: tags are stored canonical (`es-MX`), but contacts imported
 * before that, and filters saved before that, may hold `es-mx`. Age: whole years from the date of birth today; a contact with no date of birth has no
 * age and is left out by an age filter. List: the members of a static list (by primary key).
 * Time zone: the contact's recorded zone (a contact with none is left out, though the policy sends to
 * her in the clinic's: the filter selects what is known of her). Attributes: all of them, exactly.
 * Reachable by: an address of the kind one of the channels delivers to (sms and voice: a phone)
 * that is not marked undeliverable, as the policy picks addresses. The rest: audience-activity.ts.
 */
export function audienceCondition(orgId: string, filter: AudienceFilter, channels: AudienceChannels): SQL {
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
  if (filter.timeZone?.length) {
    const zones = filter.timeZone.map((zone) => zone.toLowerCase());
    conditions.push(sql`lower(${contacts.timeZone}) in ${zones}`);
  }
  if (filter.attributes && Object.keys(filter.attributes).length > 0) {
    conditions.push(sql`${contacts.attributes} @> ${JSON.stringify(filter.attributes)}::jsonb`);
  }
  if (filter.appointments) conditions.push(appointmentsCondition(orgId, filter.appointments));
  conditions.push(...activityConditions(orgId, filter));
  if (filter.consent) conditions.push(consentCondition(filter.consent));
  if (filter.reachableBy?.length) {
    const kinds = [
      ...new Set(filter.reachableBy.flatMap((channel) => channels.get(channel)?.identityKind ?? [])),
    ];
    // A channel no longer run here reaches nobody.
    conditions.push(
      kinds.length === 0
        ? sql`false`
        : sql`exists (select 1 from contact_identities i where i.contact_id = ${contacts.id} and i.kind in ${kinds} and i.undeliverable_at is null)`,
    );
  }
  return and(...conditions)!;
}

/**
 * The ledger entry that governs (channel, purpose) as the policy reads it (policy-engine.ts,
 * governingConsent): the newest row for that purpose or for `all`, an opt-out winning a tie. Written
 * as "a row with that status and no row that overrides it" rather than "the newest row's status": a
 * scalar subquery ran once per contact (100,000 index probes, about 2 s at 100,000 contacts), the
 * `exists` / `not exists` pair runs as a semi-join over an anti-join (npm run bench:audience).
 */
function consentCondition(consent: NonNullable<AudienceFilter['consent']>): SQL {
  const governs = (row: string) =>
    sql`${sql.raw(row)}.channel = ${consent.channel} and ${sql.raw(row)}.purpose in ('all', ${consent.purpose})`;
  if (consent.status === 'none') {
    return sql`not exists (select 1 from consent_ledger l where l.contact_id = ${contacts.id} and ${governs('l')})`;
  }
  // A later row overrides; so does an opt-out recorded at the same moment as an opt-in.
  const overrides =
    consent.status === 'opted_in'
      ? sql`(n.recorded_at > l.recorded_at or (n.recorded_at = l.recorded_at and n.status = 'opted_out'))`
      : sql`n.recorded_at > l.recorded_at`;
  return sql`exists (select 1 from consent_ledger l where l.contact_id = ${contacts.id} and ${governs('l')} and l.status = ${consent.status}
    and not exists (select 1 from consent_ledger n where n.contact_id = l.contact_id and ${governs('n')} and ${overrides}))`;
}
