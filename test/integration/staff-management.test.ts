import request from 'supertest';
import { queryRows } from '../support/test-database';
import { type StaffApi, staffApiAs, startTestHub, type TestHub } from '../support/test-hub';

// Admins manage staff accounts and queues; nobody else may.
let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

const login = (email: string, password: string) =>
  request(t.hub.url).post('/api/v1/auth/login').send({ email, password });

async function newStaff(email: string, role: string, queues: string[]) {
  const created = await admin
    .post('/staff', { email, name: `Staff ${email}`, role, password: 'long-enough-password', queues })
    .expect(201);
  const session = await login(email, 'long-enough-password').expect(200);
  return { id: created.body.staff.id as string, api: staffApiAs(t.hub.url, session.body.token) };
}

test('the seeded queues are the ones triage routes to, in display order, with counts', async () => {
  const res = await admin.get('/queues').expect(200);
  expect(res.body.queues.map((q: { id: string }) => q.id)).toEqual([
    'nurse-triage',
    'front-desk',
    'refills',
    'billing',
  ]);
  expect(res.body.queues[0]).toEqual({
    id: 'nurse-triage',
    name: 'Nurse triage',
    sortOrder: 10,
    slaMinutes: 240,
    open: 0,
    unread: 0,
    emergencies: 0,
    slaBreached: 0,
    failedSends: 0,
  });
});

test('an admin creates a staff member; she logs in with her queues; the password never comes back', async () => {
  const res = await admin
    .post('/staff', {
      email: 'New.Agent@Clinic.test',
      name: 'New Agent',
      role: 'agent',
      password: 'a-good-long-password',
      queues: ['billing'],
    })
    .expect(201);
  expect(res.body.staff).toMatchObject({
    email: 'new.agent@clinic.test',
    name: 'New Agent',
    role: 'agent',
    queues: ['billing'],
    disabled: false,
  });
  expect(JSON.stringify(res.body)).not.toMatch(/password/i);
  const session = await login('new.agent@clinic.test', 'a-good-long-password').expect(200);
  expect(session.body.staff.queues).toEqual(['billing']);
  const list = await admin.get('/staff').expect(200);
  expect(list.body.staff.map((s: { email: string }) => s.email)).toContain('new.agent@clinic.test');
  const dup = await admin
    .post('/staff', {
      email: 'new.agent@clinic.test',
      name: 'X',
      role: 'agent',
      password: 'another-password',
    })
    .expect(409);
  expect(dup.body.error.code).toBe('email_taken');
  const audit = await queryRows(t.database.url, "select detail from audit_log where action = 'staff.create'");
  expect(JSON.stringify(audit)).not.toContain('a-good-long-password');
});

test('an unknown queue is refused (422 unknown_queue); a short password is refused (400)', async () => {
  const bad = await admin
    .post('/staff', {
      email: 'q@clinic.test',
      name: 'Q',
      role: 'agent',
      password: 'long-enough-pw',
      queues: ['nope'],
    })
    .expect(422);
  expect(bad.body.error).toMatchObject({ code: 'unknown_queue', details: { queues: ['nope'] } });
  const short = await admin
    .post('/staff', { email: 'q@clinic.test', name: 'Q', role: 'agent', password: 'short' })
    .expect(400);
  expect(short.body.error.code).toBe('validation_failed');
});

test('agents and supervisors cannot manage staff or queues: 403 forbidden_role', async () => {
  const agent = await newStaff('plain.agent@clinic.test', 'agent', ['front-desk']);
  const supervisor = await newStaff('super@clinic.test', 'supervisor', []);
  for (const api of [agent.api, supervisor.api]) {
    const res = await api
      .post('/staff', { email: 'x@clinic.test', name: 'X', role: 'admin', password: 'long-enough-pw' })
      .expect(403);
    expect(res.body.error.code).toBe('forbidden_role');
    await api.patch(`/staff/${agent.id}`, { role: 'admin' }).expect(403);
    await api.post('/queues', { id: 'sneaky', name: 'Sneaky' }).expect(403);
    await api.patch('/queues/billing', { name: 'Renamed' }).expect(403);
  }
  // Supervisors may list staff (to assign work); agents may not.
  await supervisor.api.get('/staff').expect(200);
  expect((await agent.api.get('/staff').expect(403)).body.error.code).toBe('forbidden_role');
});

test('PATCH changes name, role and queues, which take effect on the live session at once', async () => {
  const agent = await newStaff('mover@clinic.test', 'agent', ['front-desk']);
  const before = await agent.api.get('/queues').expect(200);
  expect(before.body.queues.map((q: { id: string }) => q.id)).toEqual(['front-desk']);
  const res = await admin
    .patch(`/staff/${agent.id}`, { name: 'Moved Agent', queues: ['refills', 'billing'] })
    .expect(200);
  expect(res.body.staff).toMatchObject({ name: 'Moved Agent', queues: ['refills', 'billing'] });
  const after = await agent.api.get('/queues').expect(200);
  expect(after.body.queues.map((q: { id: string }) => q.id)).toEqual(['refills', 'billing']);
  await admin.patch(`/staff/${agent.id}`, { role: 'supervisor' }).expect(200);
  await agent.api.get('/stats/queues').expect(200);
});

test('disabling revokes every session and blocks login; a password reset revokes sessions too', async () => {
  const agent = await newStaff('leaver@clinic.test', 'agent', ['billing']);
  await agent.api.get('/conversations').expect(200);
  const res = await admin.patch(`/staff/${agent.id}`, { disabled: true }).expect(200);
  expect(res.body.staff.disabled).toBe(true);
  await agent.api.get('/conversations').expect(401);
  await login('leaver@clinic.test', 'long-enough-password').expect(401);
  const open = await queryRows(
    t.database.url,
    'select 1 from staff_sessions where staff_id = $1 and revoked_at is null',
    [agent.id],
  );
  expect(open).toHaveLength(0);
  await admin.patch(`/staff/${agent.id}`, { disabled: false }).expect(200);

  const session = await login('leaver@clinic.test', 'long-enough-password').expect(200);
  await admin.patch(`/staff/${agent.id}`, { password: 'a-brand-new-password' }).expect(200);
  await staffApiAs(t.hub.url, session.body.token).get('/conversations').expect(401);
  await login('leaver@clinic.test', 'long-enough-password').expect(401);
  await login('leaver@clinic.test', 'a-brand-new-password').expect(200);
});

test('the last active admin cannot be disabled or demoted (409 last_admin)', async () => {
  const me = await admin.get('/auth/me').expect(200);
  const res = await admin.patch(`/staff/${me.body.staff.id}`, { disabled: true }).expect(409);
  expect(res.body.error.code).toBe('last_admin');
  await admin.patch(`/staff/${me.body.staff.id}`, { role: 'agent' }).expect(409);
  await admin.get('/conversations').expect(200);
});

test('admins add and change queues; a duplicate slug is 409; agents of a new queue see only it', async () => {
  const created = await admin
    .post('/queues', { id: 'pediatrics', name: 'Pediatrics', sortOrder: 5, slaMinutes: 120 })
    .expect(201);
  expect(created.body.queue).toEqual({ id: 'pediatrics', name: 'Pediatrics', sortOrder: 5, slaMinutes: 120 });
  expect((await admin.post('/queues', { id: 'pediatrics', name: 'Again' }).expect(409)).body.error.code).toBe(
    'queue_exists',
  );
  await admin.post('/queues', { id: 'Bad Slug', name: 'Bad' }).expect(400);
  const patched = await admin
    .patch('/queues/pediatrics', { name: 'Paediatrics', slaMinutes: 90 })
    .expect(200);
  expect(patched.body.queue).toMatchObject({ name: 'Paediatrics', slaMinutes: 90 });
  await admin.patch('/queues/nope', { name: 'x' }).expect(404);
  const all = await admin.get('/queues').expect(200);
  expect(all.body.queues[0].id).toBe('pediatrics');
  const agent = await newStaff('peds@clinic.test', 'agent', ['pediatrics']);
  const mine = await agent.api.get('/queues').expect(200);
  expect(mine.body.queues.map((q: { id: string }) => q.id)).toEqual(['pediatrics']);
});
