import { randomBytes } from 'node:crypto';
import type { Database } from '../platform/db/database';
import { createStaffUser, findStaffByEmail, hasAnyAdmin } from './staff-directory';

export type AdminBootstrap =
  | { kind: 'existing' }
  | { kind: 'created-from-env'; email: string }
  | { kind: 'generated'; email: string; password: string };

/**
 * ADMIN_EMAIL/ADMIN_PASSWORD create that admin when absent. With neither and no admin at all, an
 * admin with a random password is created and its login returned once for the caller to print.
 */
export async function bootstrapAdmin(
  db: Database,
  orgId: string,
  env: { email?: string; password?: string },
): Promise<AdminBootstrap> {
  if (env.email && env.password) {
    if (await findStaffByEmail(db, env.email)) return { kind: 'existing' };
    await createStaffUser(db, {
      orgId,
      email: env.email,
      name: 'Administrator',
      role: 'admin',
      password: env.password,
    });
    return { kind: 'created-from-env', email: env.email };
  }
  if (await hasAnyAdmin(db)) return { kind: 'existing' };
  const email = 'admin@careline.local';
  const password = randomBytes(12).toString('base64url');
  await createStaffUser(db, { orgId, email, name: 'Administrator', role: 'admin', password });
  return { kind: 'generated', email, password };
}
