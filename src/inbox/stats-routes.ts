import { Router } from 'express';
import { DateTime } from 'luxon';
import type { QueueStatsResponse, Sendable } from '../../contracts/inbox-api';
import type { Database } from '../platform/db/database';
import { listQueues } from '../staff/queue-directory';
import { requireRole } from '../staff/require-role';
import { queueStats, startOfClinicDay } from './queue-stats';
import { withoutJit } from './without-jit';

/** `GET /stats/queues`: today's workload per queue, for supervisors and admins. */
export function statsRouter(db: Database, clinic: { timeZone: string }): Router {
  const router = Router();
  router.get('/stats/queues', requireRole('admin', 'supervisor'), async (req, res) => {
    const orgId = req.staff!.orgId;
    const since = startOfClinicDay(clinic.timeZone);
    const [queues, stats] = await Promise.all([
      listQueues(db, orgId),
      withoutJit(db, (tx) => queueStats(tx, orgId, since)),
    ]);
    const known = new Set(queues.map((q) => q.id));
    const rows = [
      ...queues.map((q) => ({ queue: q.id, name: q.name })),
      // A conversation can sit in a queue that was never added to the table (an old triage route).
      ...[...stats.keys()].filter((id) => !known.has(id)).map((id) => ({ queue: id, name: id })),
    ];
    const body = {
      date: DateTime.fromJSDate(since).setZone(clinic.timeZone).toISODate(),
      timeZone: clinic.timeZone,
      since: since.toISOString(),
      queues: rows.map((r) => ({
        ...r,
        ...(stats.get(r.queue) ?? {
          volumeToday: 0,
          openNow: 0,
          medianFirstResponseSeconds: null,
          slaBreaches: 0,
          emergenciesToday: 0,
        }),
      })),
    } satisfies Sendable<QueueStatsResponse>;
    res.json(body);
  });
  return router;
}
