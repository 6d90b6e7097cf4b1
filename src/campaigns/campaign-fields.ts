import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import { campaigns } from '../platform/db/campaign-schema';
import type { Database, Queryable } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { audienceFilterSchema } from './audience-filter';
import { checkedFilter, filterOf, getAudience } from './audience-routes';
import { type CampaignRow, lockedCampaign } from './campaign-store';

/**
 * The slowest rate a campaign may ask for, one message every ten seconds: each of its sends waits
 * for the campaign's slot in one of the send worker's slots, and the planner keeps two seconds of
 * them queued (at least two), so slower would hold those slots for minutes.
 */
const MIN_CAMPAIGN_SEND_RATE = 0.1;

/** A campaign's bodies: what a create takes, and an edit of a draft (any part of it). */
export function campaignBodiesFor(channels: ChannelRegistry) {
  const names = channels.carrying('campaign').map((adapter) => adapter.channel);
  const required = {
    name: z.string().trim().min(1).max(200),
    template: z.string().trim().min(1).max(100),
    // A filter given here, or a saved audience (audience-routes.ts) whose filter is copied.
    audience: z.union([
      z.object({ filter: audienceFilterSchema }).strict(),
      z.object({ audienceId: z.uuid() }).strict(),
    ]),
  };
  const optional = {
    variables: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean()])),
    // One a delivery channel declares it carries.
    channelPreference: z.enum(names as [string, ...string[]]),
    scheduleAt: z.iso.datetime({ offset: true }),
    endAt: z.iso.datetime({ offset: true }),
    // Each recipient in her own morning (09:00–12:00 in her zone), deferred by the policy.
    sendWindow: z.enum(['morning']),
    // Messages per second per sender; at most the clinic's rate, checked with the clinic's config.
    sendRate: z.number().min(MIN_CAMPAIGN_SEND_RATE).max(1000),
  };
  const cleared = Object.fromEntries(
    Object.entries(optional).map(([key, schema]) => [key, schema.nullable()]),
  ) as { [K in keyof typeof optional]: z.ZodNullable<(typeof optional)[K]> };
  return {
    create: z.object({ ...required, ...z.object(optional).partial().shape }).strict(),
    // null clears an optional field: no schedule (it starts at once), no end, the clinic's rate.
    edit: z
      .object({ ...required, ...cleared })
      .partial()
      .strict()
      .refine((body) => Object.keys(body).length > 0, 'Give at least one field to change'),
  };
}

export type CampaignEditBody = z.infer<ReturnType<typeof campaignBodiesFor>['edit']>;
type CampaignFields = Partial<typeof campaigns.$inferInsert>;

export interface CampaignFieldDeps {
  templates: Pick<OutboundServiceDeps['templates'], 'get'>;
  channels: ChannelRegistry;
  /** CAMPAIGN_SEND_RATE: a campaign may go slower than its senders' carrier limit, never faster. */
  clinicSendRate: number;
}

const future = (at: string | null | undefined, code: string, message: string) => {
  if (!at) return at === undefined ? undefined : null;
  const date = new Date(at);
  if (date.getTime() <= Date.now()) throw new HttpError(422, code, message);
  return date;
};

/**
 * The columns a create or an edit writes, each field given checked alike (422 with its code):
 * a template the hub has, an audience of this clinic, a schedule and an end to come, the end
 * after the schedule (an edit's new one against the draft's other, `current`), and a rate no
 * faster than the clinic's.
 */
export async function checkedFields(
  db: Queryable,
  deps: CampaignFieldDeps,
  orgId: string,
  body: CampaignEditBody,
  current?: Pick<CampaignRow, 'scheduleAt' | 'endAt'>,
): Promise<CampaignFields> {
  const { audience, scheduleAt, endAt, variables, ...plain } = body;
  if (body.template !== undefined && !deps.templates.get(body.template)) {
    throw new HttpError(422, 'template_not_found', `No template named ${body.template}`);
  }
  if (body.sendRate && body.sendRate > deps.clinicSendRate) {
    throw new HttpError(
      422,
      'send_rate_above_clinic_rate',
      `sendRate is above the clinic's ${deps.clinicSendRate} messages per second per sender`,
      { max: deps.clinicSendRate },
    );
  }
  const fields: CampaignFields = { ...plain };
  if (variables !== undefined) fields.variables = variables ?? {};
  fields.scheduleAt = future(scheduleAt, 'schedule_in_past', 'scheduleAt is in the past');
  if (audience) {
    fields.audience =
      'audienceId' in audience
        ? await getAudience(db, orgId, audience.audienceId).then(
            (saved) => ({ filter: filterOf(saved), audienceId: saved.id }),
            () => {
              throw new HttpError(422, 'audience_not_found', 'No saved audience has that id');
            },
          )
        : { filter: await checkedFilter(db, orgId, audience.filter, deps.channels) };
  }
  fields.endAt = future(endAt, 'end_in_past', 'endAt is in the past');
  const start = fields.scheduleAt === undefined ? current?.scheduleAt : fields.scheduleAt;
  const end = fields.endAt === undefined ? current?.endAt : fields.endAt;
  if (end && start && end.getTime() <= start.getTime()) {
    throw new HttpError(422, 'end_before_schedule', 'endAt is not after scheduleAt');
  }
  // An edit that leaves a field out leaves it as it is.
  for (const key of Object.keys(fields) as (keyof CampaignFields)[]) {
    if (fields[key] === undefined) delete fields[key];
  }
  return fields;
}

/**
 * Changes a draft, under its row lock: a start waits for the edit (and then starts what it wrote)
 * or goes first, and the edit then answers 409 `campaign_not_draft`. Only drafts are edited; a
 * campaign that has started keeps what it started with.
 */
export async function editDraft(
  db: Database,
  deps: CampaignFieldDeps,
  orgId: string,
  id: string,
  body: CampaignEditBody,
): Promise<CampaignRow> {
  return db.transaction(async (tx) => {
    const current = await lockedCampaign(tx, orgId, id);
    if (current.status !== 'draft') {
      throw new HttpError(409, 'campaign_not_draft', `A ${current.status} campaign cannot be edited`, {
        status: current.status,
      });
    }
    const fields = await checkedFields(tx, deps, orgId, body, current);
    const [row] = await tx
      .update(campaigns)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(eq(campaigns.id, id))
      .returning();
    return row!;
  });
}
