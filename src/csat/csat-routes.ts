import { and, desc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { Router } from 'express';
import type { CsatSummaryResponse, Sendable } from '../../contracts/inbox-api';
import { csatSettings } from '../clinic/csat-settings';
import type { Database } from '../platform/db/database';
import { conversations, csatSurveys } from '../platform/db/schema';
import { requireRole } from '../staff/require-role';

const DAYS = 30;
const RECENT = 20;

/** `GET /stats/csat`: how patients rated the clinic over the last 30 days, for supervisors and admins. */
export function csatRouter(
  db: Database,
  clinic: { readonly csat: Parameters<typeof csatSettings>[0] },
): Router {
  const router = Router();
  router.get('/stats/csat', requireRole('admin', 'supervisor'), async (req, res) => {
    const orgId = req.staff!.orgId;
    const since = new Date(Date.now() - DAYS * 86_400_000);
    const inPeriod = and(eq(csatSurveys.orgId, orgId), gt(csatSurveys.createdAt, since));
    const [totals, byRating, recent] = await Promise.all([
      db
        .select({
          asked: sql<number>`count(*)::int`,
          rated: sql<number>`count(${csatSurveys.rating})::int`,
          average: sql<string | null>`round(avg(${csatSurveys.rating}), 1)`,
        })
        .from(csatSurveys)
        .where(inPeriod),
      db
        .select({ rating: csatSurveys.rating, count: sql<number>`count(*)::int` })
        .from(csatSurveys)
        .where(and(inPeriod, isNotNull(csatSurveys.rating)))
        .groupBy(csatSurveys.rating),
      db
        .select({
          conversationId: csatSurveys.conversationId,
          rating: csatSurveys.rating,
          ratedAt: csatSurveys.ratedAt,
          channel: csatSurveys.channel,
          queue: conversations.queue,
        })
        .from(csatSurveys)
        .innerJoin(conversations, eq(conversations.id, csatSurveys.conversationId))
        .where(and(eq(csatSurveys.orgId, orgId), isNotNull(csatSurveys.ratedAt)))
        .orderBy(desc(csatSurveys.ratedAt))
        .limit(RECENT),
    ]);
    const counts: CsatSummaryResponse['counts'] = [0, 0, 0, 0, 0];
    for (const row of byRating) if (row.rating) counts[row.rating - 1] = row.count;
    const total = totals[0];
    res.json({
      enabled: csatSettings(clinic.csat).enabled,
      days: DAYS,
      asked: total?.asked ?? 0,
      rated: total?.rated ?? 0,
      average: total?.average == null ? null : Number(total.average),
      counts,
      recent: recent.map((r) => ({
        conversationId: r.conversationId,
        rating: r.rating!,
        ratedAt: r.ratedAt!,
        channel: r.channel,
        queue: r.queue,
      })),
    } satisfies Sendable<CsatSummaryResponse>);
  });
  return router;
}
