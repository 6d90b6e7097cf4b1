import { type SQL, sql } from 'drizzle-orm';
import { stillVerified, type VerifiedSessionLifetime } from '../contacts/contact-verification';
import type { Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { consentLedger, contactIdentities, contacts, identityVerifications } from '../platform/db/schema';
import type { PolicyInputs } from './outbound-decision';

/** The contacts of a group: alike in every policy input and in the contact fields the request reads. */
export interface PolicyInputGroup {
  /** The group's first contact (lowest id), which stands for the others. */
  firstContactId: string;
  count: number;
  inputs: PolicyInputs;
  /** The display name when the request reads it, else null. */
  displayName: string | null;
  /** The attributes the request reads that the contacts have, with their values. */
  attributes: Record<string, string>;
  /** The caller's per-contact condition (`flag`), e.g. "at the frequency cap". */
  flagged: boolean;
  /** Every contact of the group, when asked for (`members`): a decide phase writes each one's outcome. */
  contactIds?: string[];
}

export interface GroupOptions {
  /** Which contacts: a condition on `contacts` (a campaign's audience). */
  contacts: SQL;
  lifetime: VerifiedSessionLifetime;
  /** The attributes whose values the request carries (a template's declared variables). */
  attributes: string[];
  /**
   * Where those values come from, a jsonb expression over `contacts`: the contact's attributes unless
   * told otherwise (a campaign to a static list reads the list's own columns first).
   */
  attributeSource?: SQL;
  /** Whether the request carries the display name (a template that declares `name`). */
  displayName: boolean;
  /** A query of contact ids set apart in groups of their own, given the query of the contacts' ids. */
  flag?: (contactIds: SQL) => SQL;
  /** Whether each group lists its contacts (contactIds), not only counts them. */
  members?: boolean;
}

/**
 * The contacts `contacts` selects, grouped by what a send's decision reads about them (PolicyInputs),
 * computed by PostgreSQL in one query, so a campaign preview of 100,000 recipients reads a few
 * groups instead of every recipient's rows. Each value mirrors loadPolicyContexts and
 * policyInputsOf: the identities in the order loadPolicyContexts reads them (kind, then age), each
 * verified as policyInputsOf sees it; the ledger newest first, with ties at the millisecond as a
 * JavaScript Date compares them. test/integration/policy-input-groups.test.ts stores every input
 * decisionKey reads and compares the two contact by contact. Groups come ordered by their first contact.
 */
export async function groupByPolicyInputs(db: Queryable, options: GroupOptions): Promise<PolicyInputGroup[]> {
  const audience = sql`select ${contacts.id} from ${contacts} where ${options.contacts}`;
  // Per declared attribute: null when the contact has none, else [value] (a stored null is a value).
  const source = options.attributeSource ?? sql`${contacts.attributes}`;
  const attributes = options.attributes.length
    ? sql`jsonb_build_array(${sql.join(
        options.attributes.map(
          (name) => sql`case when ${source} ? ${name} then jsonb_build_array(${source} -> ${name}) end`,
        ),
        sql`, `,
      )})`
    : sql`'[]'::jsonb`;
  // Each contact's list is an aggregate over her rows in their order, taken as a window over the whole
  // partition on her first row: one sort per table, and no per-contact sort that an ordered
  // aggregate (jsonb_agg(... order by)) would cost and that keeps PostgreSQL from hashing the groups.
  const whole = sql`rows between unbounded preceding and unbounded following`;
  // Grouped by position: a name in GROUP BY means the table's column first (all of contacts.attributes,
  // not the declared ones), which would split the groups by what the decision does not read.
  const result = await db.execute(sql`
    select min(${contacts.id}::text collate "C") as first_contact_id, count(*) as n,
      ${contacts.orgId} as org_id, ${contacts.timeZone} as time_zone, ${contacts.language} as language,
      ${contacts.channelPreferences} as channel_preferences, ${contacts.dateOfBirth} is not null as has_date_of_birth,
      ${options.displayName ? contacts.displayName : sql`null::text`} as display_name, ${attributes} as attributes,
      coalesce(identities.addresses, '[]'::jsonb) as addresses, coalesce(ledger.consents, '[]'::jsonb) as consents,
      ${options.flag ? sql`${contacts.id} in (${options.flag(audience)})` : sql`false`} as flagged
      ${options.members ? sql`, string_agg(${contacts.id}::text, ',') as members` : sql``}
    from ${contacts}
    left join (
      select contact_id, addresses from (
        select ${contactIdentities.contactId} as contact_id, row_number() over w as position,
          jsonb_agg(jsonb_build_array(${contactIdentities.kind}, ${contactIdentities.undeliverableAt} is null,
            ${identityVerifications.identityId} is not null)) over (w ${whole}) as addresses
        from ${contactIdentities}
        left join ${identityVerifications} on ${identityVerifications.identityId} = ${contactIdentities.id}
          and ${identityVerifications.contactId} = ${contactIdentities.contactId} and ${stillVerified(options.lifetime)}
        where ${contactIdentities.contactId} in (${audience})
        window w as (partition by ${contactIdentities.contactId}
          order by ${contactIdentities.kind}, ${contactIdentities.createdAt}, ${contactIdentities.id})
      ) listed where position = 1
    ) identities on identities.contact_id = ${contacts.id}
    left join (
      select contact_id, consents from (
        select contact_id, row_number() over w as position,
          jsonb_agg(jsonb_build_array(channel, purpose, status, same_moment)) over (w ${whole}) as consents
        from (
          select ${consentLedger.contactId} as contact_id, ${consentLedger.id} as id,
            ${consentLedger.recordedAt} as recorded_at, ${consentLedger.channel} as channel,
            ${consentLedger.purpose} as purpose, ${consentLedger.status} as status,
            coalesce(date_trunc('milliseconds', ${consentLedger.recordedAt})
              = date_trunc('milliseconds', lag(${consentLedger.recordedAt}) over w), false) as same_moment
          from ${consentLedger} where ${consentLedger.contactId} in (${audience})
          window w as (partition by ${consentLedger.contactId} order by ${consentLedger.recordedAt} desc, ${consentLedger.id} desc)
        ) rows_with_ties
        window w as (partition by contact_id order by recorded_at desc, id desc)
      ) listed where position = 1
    ) ledger on ledger.contact_id = ${contacts.id}
    where ${options.contacts}
    group by 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    order by first_contact_id`);
  return rowsOf<GroupRow>(result).map((row) => ({
    firstContactId: row.first_contact_id,
    count: Number(row.n),
    inputs: {
      orgId: row.org_id,
      timeZone: row.time_zone,
      language: row.language,
      channelPreferences: row.channel_preferences,
      hasDateOfBirth: row.has_date_of_birth,
      addresses: row.addresses,
      consents: row.consents,
    },
    displayName: row.display_name,
    attributes: Object.fromEntries(
      options.attributes.flatMap((name, i) => {
        const value = row.attributes[i];
        return value ? [[name, value[0]]] : [];
      }),
    ),
    flagged: row.flagged,
    ...(row.members != null ? { contactIds: row.members.split(',') } : {}),
  }));
}

interface GroupRow {
  first_contact_id: string;
  n: string;
  org_id: string;
  time_zone: string | null;
  language: string | null;
  channel_preferences: PolicyInputs['channelPreferences'];
  has_date_of_birth: boolean;
  addresses: PolicyInputs['addresses'];
  consents: PolicyInputs['consents'];
  display_name: string | null;
  attributes: ([string] | null)[];
  flagged: boolean;
  members?: string | null;
}
