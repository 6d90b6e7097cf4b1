import { type SQL, sql } from 'drizzle-orm';
import { conversationReads, conversationSnoozes, conversations, messages } from '../platform/db/schema';

/**
 * Per-conversation conditions shared by the inbox list, the detail and the queue counts, as SQL over
 * the outer `conversations` row, so that each answers in one statement whatever the number of rows.
 */

/**
 * Until when the conversation is snoozed, or null: a snooze whose time has passed, or one the patient
 * has written after, no longer counts. Reading it this way holds whichever channel path stored the
 * message (the inbound store also deletes the row, this does not depend on it).
 */
export const snoozedUntil = (): SQL<Date | null> =>
  sql<Date | null>`(select z.until from ${conversationSnoozes} z
    where z.conversation_id = ${conversations.id} and z.until > now()
      and not exists (select 1 from ${messages} m where m.conversation_id = ${conversations.id}
        and m.direction = 'inbound' and m.created_at > z.created_at))`.mapWith(conversationSnoozes.until);

export const isSnoozed = (): SQL<boolean> => sql<boolean>`(${snoozedUntil()} is not null)`;

/** A patient message this staff member has not read yet (one newer than her read marker). */
export const isUnreadFor = (staffId: string): SQL<boolean> => sql<boolean>`exists (
  select 1 from ${messages} m
  where m.conversation_id = ${conversations.id} and m.direction = 'inbound'
    and m.created_at > coalesce((select r.read_at from ${conversationReads} r
      where r.conversation_id = ${conversations.id} and r.staff_id = ${staffId}::uuid),
      '-infinity'::timestamptz))`;

/** Not resolved and not snoozed: what the inbox shows by default and what a queue counts as open. */
export const isOpenNow = (): SQL =>
  sql`(${conversations.status} in ('open', 'pending') and not ${isSnoozed()})`;
