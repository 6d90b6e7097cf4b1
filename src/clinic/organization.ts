import { asc } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { organizations } from '../platform/db/schema';

export type OrganizationRow = typeof organizations.$inferSelect;

/**
 * The clinic this hub serves. One organization per hub for now; every table carries org_id so a
 * hub serving several clinics needs routing by number, not a schema change.
 */
export async function ensureOrganization(
  db: Database,
  defaults: { name: string; timeZone: string; helpText?: string; crisisLine?: string },
): Promise<OrganizationRow> {
  const [existing] = await db.select().from(organizations).orderBy(asc(organizations.createdAt)).limit(1);
  if (existing) return existing;
  const [created] = await db
    .insert(organizations)
    .values({
      id: newId(),
      name: defaults.name,
      timeZone: defaults.timeZone,
      helpText: defaults.helpText ?? null,
      ...(defaults.crisisLine ? { crisisLine: defaults.crisisLine } : {}),
    })
    .returning();
  if (!created) throw new Error('organization insert returned nothing');
  return created;
}
