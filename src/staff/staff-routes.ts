import { and, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Sendable, StaffListResponse, StaffRole, StaffView } from '../../contracts/inbox-api';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { staffUsers } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { hashPassword } from './passwords';
import { unknownQueues } from './queue-directory';
import { requireRole } from './require-role';
import {
  createStaffUser,
  findStaffByEmail,
  findStaffById,
  hasOtherActiveAdmin,
  listStaff,
  type StaffRow,
} from './staff-directory';
import { revokeAllSessions } from './staff-sessions';

/**
 * The roles a request may name, as values: StaffRole (contracts/inbox-api.ts) is the list, and
 * `satisfies` fails to compile when a role is added there and not here, or here and not there.
 */
const ROLE_VALUES = { admin: true, supervisor: true, manager: true, agent: true } satisfies Record<
  StaffRole,
  true
>;
const role = z.enum(Object.keys(ROLE_VALUES) as [StaffRole, ...StaffRole[]]);
const queueList = z.array(z.string().min(1).max(50)).max(50);
// The same floor as ADMIN_PASSWORD; argon2 makes long passphrases cheap to accept.
const password = z.string().min(10, 'must be at least 10 characters').max(1024);

const createBody = z.object({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  role,
  password,
  queues: queueList.default([]),
});

const updateBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: role.optional(),
    queues: queueList.optional(),
    disabled: z.boolean().optional(),
    password: password.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

export const presentStaff = (s: StaffRow) =>
  ({
    id: s.id,
    email: s.email,
    name: s.name,
    role: s.role,
    queues: s.queues,
    disabled: s.disabledAt !== null,
    disabledAt: s.disabledAt,
    createdAt: s.createdAt,
  }) satisfies Sendable<StaffView>;

async function assertKnownQueues(db: Database, orgId: string, queues: string[] | undefined) {
  const unknown = await unknownQueues(db, orgId, [...new Set(queues ?? [])]);
  if (unknown.length > 0) {
    throw new HttpError(422, 'unknown_queue', `No queue named ${unknown.join(', ')}`, { queues: unknown });
  }
}

export interface StaffRouterHooks {
  /** After a committed change to what a staff member may see (role, queues, disabled, password). */
  accessChanged?(staffId: string): void;
}

/** Staff accounts: admins create and change them; supervisors may list them (to assign work). */
export function staffRouter(db: Database, hooks: StaffRouterHooks = {}): Router {
  const router = Router();

  router.get('/staff', requireRole('admin', 'supervisor'), async (req, res) => {
    res.json({
      staff: (await listStaff(db, req.staff!.orgId)).map(presentStaff),
    } satisfies Sendable<StaffListResponse>);
  });

  router.post('/staff', requireRole('admin'), async (req, res) => {
    const body = createBody.parse(req.body);
    const admin = req.staff!;
    await assertKnownQueues(db, admin.orgId, body.queues);
    if (await findStaffByEmail(db, body.email)) {
      throw new HttpError(409, 'email_taken', 'A staff account with this email exists');
    }
    const created = await db.transaction(async (tx) => {
      const row = await createStaffUser(tx, {
        ...body,
        orgId: admin.orgId,
        queues: [...new Set(body.queues)],
      });
      await writeAudit(tx, {
        orgId: admin.orgId,
        actorKind: 'staff',
        actorId: admin.id,
        action: 'staff.create',
        subjectType: 'staff',
        subjectId: row.id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { role: row.role, queues: row.queues },
      });
      return row;
    });
    res.status(201).json({ staff: presentStaff(created) });
  });

  router.patch('/staff/:id', requireRole('admin'), async (req, res) => {
    const id = z.uuid('must be a staff id').parse(req.params.id);
    const body = updateBody.parse(req.body);
    const admin = req.staff!;
    const current = await findStaffById(db, admin.orgId, id);
    if (!current) throw new HttpError(404, 'staff_not_found', 'No such staff member');
    await assertKnownQueues(db, admin.orgId, body.queues);
    const losesAdmin =
      current.role === 'admin' &&
      !current.disabledAt &&
      ((body.role !== undefined && body.role !== 'admin') || body.disabled === true);
    if (losesAdmin && !(await hasOtherActiveAdmin(db, admin.orgId, id))) {
      throw new HttpError(409, 'last_admin', 'This is the last active admin; make another admin first');
    }
    const updated = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(staffUsers)
        .set({
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(body.queues !== undefined ? { queues: [...new Set(body.queues)] } : {}),
          ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
          ...(body.disabled === true ? { disabledAt: sql`coalesce(${staffUsers.disabledAt}, now())` } : {}),
          ...(body.disabled === false ? { disabledAt: null } : {}),
        })
        .where(and(eq(staffUsers.id, id), eq(staffUsers.orgId, admin.orgId)))
        .returning();
      if (!row) throw new HttpError(404, 'staff_not_found', 'No such staff member');
      // A disabled account or a reset password must not leave a stolen or old session working.
      if (body.disabled === true || body.password !== undefined) await revokeAllSessions(tx, id);
      await writeAudit(tx, {
        orgId: admin.orgId,
        actorKind: 'staff',
        actorId: admin.id,
        action: 'staff.update',
        subjectType: 'staff',
        subjectId: id,
        ip: req.ip ?? null,
        requestId: req.id,
        // Which fields changed; the password itself never.
        detail: {
          fields: Object.keys(body),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(body.queues !== undefined ? { queues: body.queues } : {}),
          ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        },
      });
      return row;
    });
    // Anything but the name changes what she may see or whether she may stay signed in.
    if (Object.keys(body).some((field) => field !== 'name')) hooks.accessChanged?.(id);
    res.json({ staff: presentStaff(updated) });
  });

  return router;
}
