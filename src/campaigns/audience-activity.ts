import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppointmentCondition, AudienceFilter } from '../platform/db/campaign-schema';
import { contacts } from '../platform/db/core-schema';

/**
 * Audience conditions on what happened to a contact: appointments, her messages, her visits. Each is
 * an `exists` (or `not exists`) probe by the contact's id on an index that starts with it
 * (appointments_contact_idx, messages_inbound_contact_idx), which PostgreSQL runs as a semi- or
 * anti-join over the contacts left by the other conditions: no per-contact query from Node, and no
 * scan of a whole table per contact.
 */

/** `2026-10-01`: a whole day in the clinic's time zone; or an instant with its offset. */
export const dateOrInstantSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const isDate = (value: string) => value.length === 10;

/**
 * The instant a bound stands for: an instant as given; a date's start in the clinic's time zone (a
 * manager who picks 1 October means her clinic's 1 October), or with `end`, the next day's start,
 * so `to: 2026-12-31` keeps appointments on the 31st.
 */
function instant(orgId: string, value: string, edge: 'start' | 'end' = 'start'): SQL {
  if (!isDate(value)) return sql`${value}::timestamptz`;
  const zone = sql`(select o.time_zone from organizations o where o.id = ${orgId})`;
  return sql`((${value}::date + ${edge === 'end' ? 1 : 0}::int)::timestamp at time zone ${zone})`;
}

/**
 * Has an appointment starting in [from, to] with one of the statuses (any status when none is
 * named); with `none`, has no such appointment: "no flu-shot appointment booked from October on" is
 * `{from: '2026-10-01', status: ['scheduled', 'confirmed'], none: true}`.
 */
export function appointmentsCondition(orgId: string, condition: AppointmentCondition): SQL {
  const parts: SQL[] = [sql`a.contact_id = ${contacts.id}`];
  if (condition.from) parts.push(sql`a.starts_at >= ${instant(orgId, condition.from)}`);
  if (condition.to) parts.push(sql`a.starts_at < ${instant(orgId, condition.to, 'end')}`);
  if (condition.status?.length) parts.push(sql`a.status in ${condition.status}`);
  const probe = sql`select 1 from appointments a where ${sql.join(parts, sql` and `)}`;
  return condition.none ? sql`not exists (${probe})` : sql`exists (${probe})`;
}

/** The rows of one kind of event of the contact, and the column that dates them. */
interface Events {
  from: SQL;
  at: SQL;
}

/**
 * "Last X before D": she has an X, and none from D on; "last X after D": she has one from D on.
 * Before and after split time at D's start, so the two together select a last X in [after, before).
 * A contact with no X at all has no last one and is left out by either. The probes are written flat
 * (no derived table around the correlated rows), which lets PostgreSQL turn them into semi- and
 * anti-joins instead of a subplan run once per contact.
 */
function lastBeforeAfter(orgId: string, events: Events, before?: string, after?: string): SQL[] {
  const probe = (when: SQL) => sql`select 1 from ${events.from} and ${events.at} ${when}`;
  const conditions: SQL[] = [];
  if (after) conditions.push(sql`exists (${probe(sql`>= ${instant(orgId, after)}`)})`);
  if (before) {
    conditions.push(sql`exists (${probe(sql`< ${instant(orgId, before)}`)})`);
    conditions.push(sql`not exists (${probe(sql`>= ${instant(orgId, before)}`)})`);
  }
  return conditions;
}

/**
 * The patient's own messages (inbound, whatever the channel), and her visits. The hub records no
 * attendance (an appointment is scheduled, confirmed, cancelled or asked to be moved; nothing marks
 * it kept), so a visit is an appointment whose time has come that was neither cancelled nor asked to
 * be moved: scheduled or confirmed, starting before now.
 */
export function activityConditions(orgId: string, filter: AudienceFilter): SQL[] {
  const messages: Events = {
    from: sql`messages m where m.contact_id = ${contacts.id} and m.direction = 'inbound'`,
    at: sql`m.created_at`,
  };
  const visits: Events = {
    from: sql`appointments a where a.contact_id = ${contacts.id} and a.status in ('scheduled', 'confirmed') and a.starts_at <= now()`,
    at: sql`a.starts_at`,
  };
  return [
    ...lastBeforeAfter(orgId, messages, filter.lastMessageBefore, filter.lastMessageAfter),
    ...lastBeforeAfter(orgId, visits, filter.lastVisitBefore, filter.lastVisitAfter),
  ];
}
