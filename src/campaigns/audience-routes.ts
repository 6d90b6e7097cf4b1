import { and, asc, eq, sql } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { type AudienceFilter, audiences } from '../platform/db/campaign-schema';
import { isUniqueViolation } from '../platform/db/connection-errors';
import { contacts } from '../platform/db/core-schema';
import type { Database, Queryable } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { CAMPAIGN_ROLES } from '../staff/campaign-access';
import { requireRole } from '../staff/require-role';
import {
  type AudienceChannels,
  assertKnownChannels,
  audienceCondition,
  audienceFilterSchema,
} from './audience-filter';

type AudienceRow = typeof audiences.$inferSelect;

const nameSchema = z.string().trim().min(1).max(200);
const createBody = z.object({ name: nameSchema, filter: audienceFilterSchema }).strict();
const updateBody = z
  .object({ name: nameSchema.optional(), filter: audienceFilterSchema.optional() })
  .strict();

/** The filter a saved audience stands for: its own, or, for a static list, its members. */
export const filterOf = (row: AudienceRow): AudienceFilter =>
  row.kind === 'list' ? { list: row.id } : row.filter;

export async function getAudience(db: Queryable, orgId: string, id: string): Promise<AudienceRow> {
  const [row] = await db
    .select()
    .from(audiences)
    .where(and(eq(audiences.id, id), eq(audiences.orgId, orgId)));
  if (!row) throw new HttpError(404, 'audience_not_found', 'No such audience');
  return row;
}

/** How many contacts a filter selects now, counted by PostgreSQL. */
export async function countAudience(
  db: Queryable,
  orgId: string,
  filter: AudienceFilter,
  channels: AudienceChannels,
): Promise<number> {
  const [row] = await db
    .select({ n: sql<string>`count(*)` })
    .from(contacts)
    .where(audienceCondition(orgId, filter, channels));
  return Number(row?.n ?? 0);
}

/** A saved name is unique in the clinic: a second one is 409, not a silent twin. */
async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new HttpError(409, 'audience_name_taken', 'An audience has that name');
    throw error;
  }
}

/**
 * A filter as given, once it names only what exists here: a static list of this clinic's (422
 * `list_not_found`) and channels the hub delivers on (422 `unknown_channel`).
 */
export async function checkedFilter(
  db: Queryable,
  orgId: string,
  filter: AudienceFilter,
  channels: AudienceChannels,
): Promise<AudienceFilter> {
  assertKnownChannels(filter, channels);
  if (filter.list) {
    const row = await getAudience(db, orgId, filter.list).catch(() => undefined);
    if (row?.kind !== 'list') throw new HttpError(422, 'list_not_found', 'filter.list is not a static list');
  }
  return filter;
}

/** A static list made by an import (`?list=NAME`), empty until the import's rows fill it. */
export async function createList(db: Database, orgId: string, name: string, createdBy: string) {
  const [row] = await uniqueName(() =>
    db
      .insert(audiences)
      .values({ orgId, name: nameSchema.parse(name), kind: 'list', createdBy })
      .returning(),
  );
  return row!;
}

function present(row: AudienceRow, count: number) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    filter: filterOf(row),
    count,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Saved audiences for admins and managers: named filters (counted live, evaluated again when a
 * campaign made from one starts) and static lists an import filled. `POST /audiences/count {filter}`
 * counts a filter while it is edited, saving nothing. Deleting one leaves the campaigns made from it
 * as they are: a campaign keeps its own copy of the filter.
 */
export function audienceRouter(db: Database, channels: AudienceChannels): Router {
  const router = Router();
  router.use('/audiences', requireRole(...CAMPAIGN_ROLES));
  const idOf = (req: Request) => z.uuid().parse(req.params.id);

  router.get('/audiences', async (req, res) => {
    const rows = await db
      .select()
      .from(audiences)
      .where(eq(audiences.orgId, req.staff!.orgId))
      .orderBy(asc(audiences.name))
      .limit(500);
    const counted = await Promise.all(
      rows.map(async (row) => present(row, await countAudience(db, row.orgId, filterOf(row), channels))),
    );
    res.json({ audiences: counted });
  });

  router.post('/audiences/count', async (req, res) => {
    const { filter } = z.object({ filter: audienceFilterSchema }).strict().parse(req.body);
    await checkedFilter(db, req.staff!.orgId, filter, channels);
    res.json({ count: await countAudience(db, req.staff!.orgId, filter, channels) });
  });

  router.post('/audiences', async (req, res) => {
    const body = createBody.parse(req.body);
    await checkedFilter(db, req.staff!.orgId, body.filter, channels);
    const [row] = await uniqueName(() =>
      db
        .insert(audiences)
        .values({ orgId: req.staff!.orgId, name: body.name, filter: body.filter, createdBy: req.staff!.id })
        .returning(),
    );
    res.status(201).json(present(row!, await countAudience(db, row!.orgId, filterOf(row!), channels)));
  });

  router.get('/audiences/:id', async (req, res) => {
    const row = await getAudience(db, req.staff!.orgId, idOf(req));
    res.json(present(row, await countAudience(db, row.orgId, filterOf(row), channels)));
  });

  router.patch('/audiences/:id', async (req, res) => {
    const current = await getAudience(db, req.staff!.orgId, idOf(req));
    const body = updateBody.parse(req.body);
    if (body.filter && current.kind === 'list') {
      throw new HttpError(
        422,
        'list_has_no_filter',
        'A static list is its members; import into a new list instead',
      );
    }
    if (body.filter) await checkedFilter(db, req.staff!.orgId, body.filter, channels);
    const [row] = await uniqueName(() =>
      db
        .update(audiences)
        .set({ ...body, updatedAt: sql`now()` })
        .where(eq(audiences.id, current.id))
        .returning(),
    );
    res.json(present(row!, await countAudience(db, row!.orgId, filterOf(row!), channels)));
  });

  router.delete('/audiences/:id', async (req, res) => {
    const row = await getAudience(db, req.staff!.orgId, idOf(req));
    await db.delete(audiences).where(eq(audiences.id, row.id));
    res.status(204).end();
  });

  return router;
}
