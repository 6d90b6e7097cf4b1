import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { QueueStatsRow } from '../../contracts/inbox-api';
import type { Queryable } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';

/** One queue's figures, as `GET /stats/queues` sends them beside the queue's id and name. */
export type QueueStats = Omit<QueueStatsRow, 'queue' | 'name'>;

/** Midnight today in the clinic's time zone, as an instant. */
export function startOfClinicDay(timeZone: string, now: Date = new Date()): Date {
  return DateTime.fromJSDate(now).setZone(timeZone).startOf('day').toJSDate();
}

type Row = { queue: string; n: string | number | null };

/**
 * Today's figures per queue (a message counts in the queue its conversation is in now):
 * - volumeToday: patient messages since midnight, clinic time, but for answers to the rating
 *   question (they ask nothing of the queue; src/csat);
 * - openNow: conversations not resolved (snoozed ones included: still work to do);
 * - medianFirstResponseSeconds: per conversation, the first patient message today to the first
 *   staff reply after it; the median over those answered (null when none were);
 * - slaBreaches: conversations that breached their SLA (see conversation-store, "The SLA clock"):
 *   those answered late today (a staff reply since midnight written after the due time it answered)
 *   plus those unresolved and still waiting on the clinic past their due time now; each once;
 * - emergenciesToday: conversations with a patient message triaged as an emergency today.
 */
export async function queueStats(
  db: Queryable,
  orgId: string,
  since: Date,
): Promise<Map<string, QueueStats>> {
  const sinceParam = sql`${since.toISOString()}::timestamptz`;
  // One after another, not Promise.all: `db` is a single transaction connection (see withoutJit), which runs
  // one query at a time anyway, and pg deprecates queueing a query on a client that is already busy.
  const volume = await db.execute(sql`
      select c.queue, count(*) as n from messages m join conversations c on c.id = m.conversation_id
      where m.org_id = ${orgId} and m.direction = 'inbound' and m.created_at >= ${sinceParam}
        and (m.triage ->> 'engine') is distinct from 'csat'
      group by c.queue`);
  const open = await db.execute(sql`
      select queue, count(*) as n from conversations
      where org_id = ${orgId} and status <> 'resolved' group by queue`);
  const breaches = await db.execute(sql`
      select queue, count(distinct id) as n from (
        select c.queue, c.id from conversations c
        where c.org_id = ${orgId} and c.status <> 'resolved' and c.sla_due_at < now()
        union all
        select c.queue, c.id from messages m join conversations c on c.id = m.conversation_id
        where m.org_id = ${orgId} and m.answered_sla_due_at is not null
          and m.created_at >= ${sinceParam} and m.created_at > m.answered_sla_due_at
      ) breached group by queue`);
  const emergencies = await db.execute(sql`
      select c.queue, count(distinct m.conversation_id) as n
      from messages m join conversations c on c.id = m.conversation_id
      where m.org_id = ${orgId} and m.direction = 'inbound' and m.created_at >= ${sinceParam}
        and m.triage ->> 'urgency' = 'emergency'
      group by c.queue`);
  const response = await db.execute(sql`
      with firsts as (
        select m.conversation_id, min(m.created_at) as first_in from messages m
        where m.org_id = ${orgId} and m.direction = 'inbound' and m.created_at >= ${sinceParam}
        group by m.conversation_id
      ), answered as (
        select f.conversation_id, extract(epoch from (
          select min(o.created_at) from messages o
          where o.conversation_id = f.conversation_id and o.direction = 'outbound'
            and o.author_kind = 'staff' and o.created_at > f.first_in) - f.first_in) as seconds
        from firsts f
      )
      select c.queue, percentile_cont(0.5) within group (order by a.seconds) as n
      from answered a join conversations c on c.id = a.conversation_id
      where a.seconds is not null group by c.queue`);
  const stats = new Map<string, QueueStats>();
  const entry = (queue: string) => {
    let found = stats.get(queue);
    if (!found) {
      found = {
        volumeToday: 0,
        openNow: 0,
        medianFirstResponseSeconds: null,
        slaBreaches: 0,
        emergenciesToday: 0,
      };
      stats.set(queue, found);
    }
    return found;
  };
  for (const r of rowsOf<Row>(volume)) entry(r.queue).volumeToday = Number(r.n);
  for (const r of rowsOf<Row>(open)) entry(r.queue).openNow = Number(r.n);
  for (const r of rowsOf<Row>(breaches)) entry(r.queue).slaBreaches = Number(r.n);
  for (const r of rowsOf<Row>(emergencies)) entry(r.queue).emergenciesToday = Number(r.n);
  for (const r of rowsOf<Row>(response))
    entry(r.queue).medianFirstResponseSeconds = r.n === null ? null : Math.round(Number(r.n));
  return stats;
}
