import { type SQL, sql } from 'drizzle-orm';
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
 * Each contact's marketing messages in the cap's window (contacts with none are absent): outbound
 * messages whose policy decision was for the marketing purpose (any campaign, or any other
 * marketing send), waiting or sent; a send that failed for good reached nobody and does not count.
 * One send is one message even when it wrote two rows (a secure-link notice beside the secured
 * message): they share their request id. One query for a whole page of recipients.
 */
export async function marketingMessagesInWindow(
  db: Queryable,
  contactIds: string[],
  cap: FrequencyCap,
): Promise<Map<string, number>> {
  if (contactIds.length === 0) return new Map();
  const result = await db.execute(
    marketingCounts(sql`contact_id = any(${sql.param(contactIds)}::uuid[])`, cap),
  );
  return new Map(rowsOf<{ contact_id: string; n: string }>(result).map((r) => [r.contact_id, Number(r.n)]));
}

/** marketingMessagesInWindow's query, for the contacts `which` selects (a condition on contact_id). */
function marketingCounts(which: SQL, cap: FrequencyCap): SQL {
  return sql`
    select contact_id, count(distinct coalesce(request_id, id::text)) as n from messages
    where ${which} and direction = 'outbound'
      and policy->>'purpose' = 'marketing' and status not in ('failed', 'undelivered')
      and created_at > now() - ${cap.days}::float8 * interval '1 day'
    group by contact_id`;
}

/**
 * The query of the contacts at the cap (contactsAtCap's) among those the query `contactIds` selects:
 * a preview asks it for its whole audience within its own query.
 */
export function contactsAtCapQuery(contactIds: SQL, cap: FrequencyCap): SQL {
  return sql`select contact_id from (${marketingCounts(sql`contact_id in (${contactIds})`, cap)}) counted
    where n >= ${cap.messages}`;
}

/**
 * The contacts one more marketing message would take over the cap. The preview asks it as is; the
 * send asks it in the transaction that writes the new messages, with `lock`: two campaigns planning
 * the same contact at once are serialized by a per-contact lock held to the end of the transaction
 * (taken in one order, so two batches cannot deadlock), and both cannot pass.
 */
export async function contactsAtCap(
  db: Queryable,
  contactIds: string[],
  cap: FrequencyCap,
  options: { lock: boolean },
): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  if (options.lock) {
    await db.execute(sql`
      select pg_advisory_xact_lock(${CAP_LOCK}, k)
      from (select distinct hashtext(c) as k from unnest(${sql.param(contactIds)}::text[]) c order by k) keys`);
  }
  const counts = await marketingMessagesInWindow(db, contactIds, cap);
  return new Set(contactIds.filter((id) => (counts.get(id) ?? 0) >= cap.messages));
}
