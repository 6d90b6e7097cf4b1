import { stringify } from 'csv-stringify';
import { desc, eq, sql } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { asHttpError, type OutboundServiceDeps } from '../outbound/outbound-service';
import { writeAudit } from '../platform/audit/audit-log';
import { campaigns } from '../platform/db/campaign-schema';
import { rowsOf } from '../platform/db/rows';
import { withoutJit } from '../platform/db/without-jit';
import { HttpError } from '../platform/http/http-error';
import { CAMPAIGN_ROLES } from '../staff/campaign-access';
import { requireRole } from '../staff/require-role';
import { campaignBodiesFor, checkedFields, editDraft } from './campaign-fields';
import { recipientOutcomes } from './campaign-outcomes';
import type { CampaignPlanQueue } from './campaign-planner';
import { previewCampaign } from './campaign-preview';
import type { CampaignProgress } from './campaign-progress';
import {
  type CampaignAction,
  campaignDetail,
  DEFAULT_ATTRIBUTION_DAYS,
  getCampaign,
  presentCampaign,
  transitionCampaign,
} from './campaign-store';
import { sendCampaignTest, testAddress } from './campaign-test-send';
import type { FrequencyCap } from './frequency-cap';

export interface CampaignRouterDeps {
  /** The send pipeline, its `sendQueue` the campaign queue. */
  outbound: OutboundServiceDeps;
  planQueue: CampaignPlanQueue;
  /** The clinic-wide cap on marketing messages per contact, as the planner applies it. */
  frequencyCap?: FrequencyCap;
  /** Told of every state change, so the page's figures follow without polling. */
  progress?: Pick<CampaignProgress, 'touch'>;
  /** A test send's pipeline: the patients' outbound queue, not the campaign's throttled one. */
  testOutbound: OutboundServiceDeps;
  /** The region a test address's phone number is read in when it has no country code. */
  defaultRegion: string;
  /** CAMPAIGN_REPLY_WINDOW_DAYS: how long after a message a booking still counts for it. */
  attributionDays?: number;
  /** CAMPAIGN_SEND_RATE: the fastest a campaign may ask to send (per sender). */
  clinicSendRate: number;
}

const testSendBody = z.object({ to: z.string().trim().min(3).max(320) }).strict();

/**
 * Campaigns for admins and managers (agents get 403): create a draft, edit it, preview it (a dry run of every
 * recipient through planOutbound), start, pause, resume or cancel it, read its figures and export
 * its recipients' outcomes as CSV.
 */
export function campaignRouter(deps: CampaignRouterDeps): Router {
  const { db } = deps.outbound;
  const router = Router();
  const bodies = campaignBodiesFor(deps.outbound.channels);
  const fieldDeps = {
    templates: deps.outbound.templates,
    channels: deps.outbound.channels,
    clinicSendRate: deps.clinicSendRate,
  };
  router.use('/campaigns', requireRole(...CAMPAIGN_ROLES));
  const idOf = (req: Request) => z.uuid().parse(req.params.id);
  const audit = (req: Request, action: string, subjectId: string, detail: Record<string, unknown> = {}) =>
    writeAudit(db, {
      orgId: req.staff!.orgId,
      actorKind: 'staff',
      actorId: req.staff!.id,
      action,
      subjectType: 'campaign',
      subjectId,
      ip: req.ip ?? null,
      requestId: req.id,
      detail,
    });

  router.post('/campaigns', async (req, res) => {
    const body = bodies.create.parse(req.body);
    const fields = await checkedFields(db, fieldDeps, req.staff!.orgId, body);
    const [row] = await db
      .insert(campaigns)
      // A create's body has every required field, so its checked fields do.
      .values({
        ...(fields as typeof campaigns.$inferInsert),
        orgId: req.staff!.orgId,
        createdBy: req.staff!.id,
      })
      .returning();
    await audit(req, 'campaign.create', row!.id, { template: body.template });
    res.status(201).json(presentCampaign(row!));
  });

  // Only a draft: what a campaign started with is what its figures are read against.
  router.patch('/campaigns/:id', async (req, res) => {
    const id = idOf(req);
    const body = bodies.edit.parse(req.body);
    const row = await editDraft(db, fieldDeps, req.staff!.orgId, id, body);
    // The fields changed, not their values: a name or variables may say more than an audit needs.
    await audit(req, 'campaign.edit', row.id, { fields: Object.keys(body).sort() });
    res.json(presentCampaign(row));
  });

  router.get('/campaigns', async (req, res) => {
    const rows = await db
      .select()
      .from(campaigns)
      .where(eq(campaigns.orgId, req.staff!.orgId))
      .orderBy(desc(campaigns.createdAt))
      .limit(200);
    res.json({ campaigns: rows.map(presentCampaign) });
  });

  router.get('/campaigns/:id', async (req, res) => {
    const id = idOf(req);
    // A read only: the send worker and the planner complete a campaign when its last work ends.
    const row = await getCampaign(db, req.staff!.orgId, id);
    // Without JIT: the per-recipient look-ups make the estimate large, and compiling cost more than running.
    res.json(await withoutJit(db, (tx) => campaignDetail(tx, row, deps.attributionDays)));
  });

  router.post('/campaigns/:id/preview', async (req, res) => {
    const row = await getCampaign(db, req.staff!.orgId, idOf(req));
    res.json(await previewCampaign(deps.outbound, row, deps.frequencyCap));
  });

  // A test to a staff member's own phone or email: admins and managers, like every campaign route.
  router.post('/campaigns/:id/test-send', async (req, res) => {
    const row = await getCampaign(db, req.staff!.orgId, idOf(req));
    const { to } = testSendBody.parse(req.body);
    const address = testAddress(to, deps.defaultRegion);
    const { decision, outcome } = await sendCampaignTest(
      deps.testOutbound,
      row,
      address,
      req.staff!.id,
    ).catch((error: unknown) => {
      throw asHttpError(error);
    });
    if (!outcome) {
      throw new HttpError(422, decision.code ?? 'policy_refused', decision.reasons.join('; '), {
        reasons: decision.reasons,
      });
    }
    await audit(req, 'campaign.test_send', row.id, {
      channel: decision.channel,
      messageId: outcome.message.id,
    });
    res.status(202).json({
      test: true,
      messageId: outcome.message.id,
      channel: decision.channel,
      scheduledFor: decision.scheduledFor ?? null,
    });
  });

  const transition = (action: CampaignAction) =>
    router.post(`/campaigns/:id/${action}`, async (req, res) => {
      const row = await transitionCampaign(
        db,
        req.staff!.orgId,
        idOf(req),
        action,
        deps.outbound.channels,
        deps.outbound.templates,
      );
      await audit(req, `campaign.${action}`, row.id, { status: row.status });
      deps.progress?.touch(row.id);
      if (row.status === 'running' || row.status === 'scheduled') {
        await deps.planQueue.add(
          { campaignId: row.id, run: row.run },
          row.status === 'scheduled' ? row.scheduleAt : null,
        );
        // A scheduled run's recipients are inserted now, the audience as it was at the start, not
        // at its time: its own job, as the run's job waits for then (campaign-audience.ts).
        if (row.status === 'scheduled' && !row.recipientsInsertedAt) {
          await deps.planQueue.add({ campaignId: row.id, run: row.run, audience: true });
        }
        // At its end time a job of the run ends what is left, even if the run's planner is done.
        if (row.endAt) await deps.planQueue.add({ campaignId: row.id, run: row.run, end: true }, row.endAt);
      }
      res.json(presentCampaign(row));
    });
  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) transition(action);

  router.get('/campaigns/:id/recipients.csv', async (req, res) => {
    const row = await getCampaign(db, req.staff!.orgId, idOf(req));
    res.type('text/csv');
    res.attachment(`campaign-${row.id}-recipients.csv`);
    const columns = [
      'contactId',
      'externalId',
      'status',
      'skipReason',
      'channel',
      'messageStatus',
      'errorCode',
      'sentAt',
      'deliveredAt',
      'replied',
      // Added later, so after the others: a spreadsheet reading columns by position keeps working.
      'linkOpened',
      'confirmed',
      'booked',
    ];
    const outcome = recipientOutcomes(deps.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS);
    const csv = stringify({ header: true, columns });
    csv.pipe(res);
    const yesNo = (v: unknown) => (v ? 'yes' : 'no');
    let after = 0;
    for (;;) {
      const page = rowsOf<Record<string, string | number | null>>(
        await withoutJit(db, (tx) =>
          tx.execute(sql`
        select r.id, r.contact_id, c.external_id, r.status, r.skip_reason,
          coalesce(m.channel, case when r.status = 'ready' then r.channel end) as channel, m.status as message_status,
          m.error_code, m.sent_at, m.delivered_at, ${outcome.replied} as replied,
          ${outcome.linkOpened} as link_opened, ${outcome.confirmed} as confirmed, ${outcome.booked} as booked
        from (
          -- The page first: its 1,000 rows are then joined by key, not every message hashed per page.
          select * from campaign_recipients
          where campaign_id = ${row.id} and id > ${after} order by id limit 1000) r
        join contacts c on c.id = r.contact_id
        left join messages m on m.id = r.message_id
        ${outcome.replies}
        order by r.id`),
        ),
      );
      if (page.length === 0) break;
      after = Number(page.at(-1)!.id);
      for (const r of page) {
        const date = (v: unknown) => (v ? new Date(v as string).toISOString() : '');
        const line = {
          contactId: r.contact_id,
          externalId: r.external_id ?? '',
          status: r.status,
          skipReason: r.skip_reason ?? '',
          channel: r.channel ?? '',
          messageStatus: r.message_status ?? '',
          errorCode: r.error_code ?? '',
          sentAt: date(r.sent_at),
          deliveredAt: date(r.delivered_at),
          replied: yesNo(r.replied),
          linkOpened: yesNo(r.link_opened),
          confirmed: yesNo(r.confirmed),
          booked: yesNo(r.booked),
        };
        if (!csv.write(line)) await new Promise((resolve) => csv.once('drain', resolve));
      }
    }
    csv.end();
  });

  return router;
}
