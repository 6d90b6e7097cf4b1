import request from 'supertest';
import type { StaffRole } from '../../contracts/inbox-api';
import { createStaffUser } from '../../src/staff/staff-directory';
import { type StaffApi, staffApiAs, type TestHub } from './test-hub';

export interface TestStaffMember {
  email: string;
  name: string;
  role: StaffRole;
  password: string;
  queues: string[];
}

/**
 * A staff member of the test hub's clinic, signed in the way the page signs in (the login route):
 * the account is written straight to the database, since creating it is not what these tests are
 * about. The staff API as that person, and the bearer token for sockets and raw requests.
 */
export async function signedInStaff(
  t: TestHub,
  member: TestStaffMember,
): Promise<{ api: StaffApi; token: string }> {
  await createStaffUser(t.hub.database.db, { orgId: t.hub.org.id, ...member });
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: member.email, password: member.password })
    .expect(200);
  const token: string = login.body.token;
  return { api: staffApiAs(t.hub.url, token), token };
}
