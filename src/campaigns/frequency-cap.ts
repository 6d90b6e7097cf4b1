import { sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';

/** At most `messages` marketing messages per contact in any `days` days, clinic-wide. */
export interface FrequencyCap {
  messages: number;
  days: number;
}

/** The skip reason of a recipient the cap holds back. */
export const FREQUENCY_CAP_REASON = 'frequency_cap';

/** Arbitrary first key of the per-contact advisory lock below, apart from the hub's other locks. */
const CAP_LOCK = 7_240_517;

/**
 * The contact's marketing messages in the cap's window: outbound messages whose policy decision
 * was for the marketing purpose (any campaign, or any other marketing send), waiting or sent; a send
 * that failed for good reached nobody and does not count. One send is one message even when it
 * wrote two rows (a secure-link notice beside the secured message): they share their request id.
 */
export async function marketingMessagesInWindow(
  db: Queryable,
  contactId: string,
  cap: FrequencyCap,
): Promise<number> {
  const result = await db.execute(sql`
    select count(distinct coalesce(request_id, id::text)) as n from messages
    where contact_id = ${contactId} and direction = 'outbound' and policy->>'purpose' = 'marketing'
      and status not in ('failed', 'undelivered')
      and created_at > now() - ${cap.days}::float8 * interval '1 day'`);
  return Number(rowsOf<{ n: string }>(result)[0]?.n ?? 0);
}

/** The preview's question: would one more marketing message to the contact go over the cap? */
export async function wouldExceedCap(db: Queryable, contactId: string, cap: FrequencyCap): Promise<boolean> {
  return (await marketingMessagesInWindow(db, contactId, cap)) >= cap.messages;
}

/**
 * The send's question, asked in the transaction that has just written the contact's new message:
 * does it take the contact over the cap? Two campaigns planning the same contact at once are
 * serialized by a per-contact lock held to the end of the transaction, so both cannot pass.
 */
export async function exceedsCapWithNewMessage(
  tx: Queryable,
  contactId: string,
  cap: FrequencyCap,
): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CAP_LOCK}, hashtext(${contactId}))`);
  return (await marketingMessagesInWindow(tx, contactId, cap)) > cap.messages;
}
