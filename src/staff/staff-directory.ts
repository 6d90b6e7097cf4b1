import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { type StaffRole, staffUsers } from '../platform/db/schema';
import { hashPassword } from './passwords';

export type StaffRow = typeof staffUsers.$inferSelect;

export interface NewStaffUser {
  orgId: string;
  email: string;
  name: string;
  role: StaffRole;
  password: string;
  queues?: string[];
}

export async function createStaffUser(db: Queryable, input: NewStaffUser): Promise<StaffRow> {
  const [row] = await db
    .insert(staffUsers)
    .values({
      id: newId(),
      orgId: input.orgId,
      email: input.email.trim().toLowerCase(),
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      queues: input.queues ?? [],
    })
    .returning();
  if (!row) throw new Error('staff insert returned nothing');
  return row;
}

export async function findStaffByEmail(db: Queryable, email: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staffUsers)
    .where(eq(staffUsers.email, email.trim().toLowerCase()))
    .limit(1);
  return row;
}

export async function findStaffById(db: Queryable, orgId: string, id: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staffUsers)
    .where(and(eq(staffUsers.id, id), eq(staffUsers.orgId, orgId)))
    .limit(1);
  return row;
}

export async function listStaff(db: Queryable, orgId: string): Promise<StaffRow[]> {
  return db.select().from(staffUsers).where(eq(staffUsers.orgId, orgId)).orderBy(asc(staffUsers.name));
}

export async function hasAnyAdmin(db: Queryable): Promise<boolean> {
  const [row] = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(eq(staffUsers.role, 'admin'))
    .limit(1);
  return row !== undefined;
}

/** True when an enabled admin other than `exceptId` exists: the last one may not lock everybody out. */
export async function hasOtherActiveAdmin(db: Queryable, orgId: string, exceptId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(
      and(
        eq(staffUsers.orgId, orgId),
        eq(staffUsers.role, 'admin'),
        isNull(staffUsers.disabledAt),
        ne(staffUsers.id, exceptId),
      ),
    )
    .limit(1);
  return row !== undefined;
}
