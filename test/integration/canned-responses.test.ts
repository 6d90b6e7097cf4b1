import request from 'supertest';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// Canned responses (issue 14 item 7) as an admin, as an agent of another queue, and anonymously.
let t: TestHub;
let admin: StaffApi;
let agent: StaffApi;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  ({ api: agent } = await signedInStaff(t, {
    email: 'billing.agent@clinic.test',
    name: 'Billing Agent',
    role: 'agent',
    password: 'billing-agent-password',
    queues: ['billing'],
  }));
});
afterAll(async () => {
  await t.stop();
});

test('admins create, edit and delete canned responses (validated, shortcut unique); agents list them only; anonymous gets 401', async () => {
  const created = await admin
    .post('/canned-responses', { shortcut: ' Hours ', body: 'We are open 8–5, Monday to Friday.' })
    .expect(201);
  expect(created.body.cannedResponse).toMatchObject({
    shortcut: 'hours',
    body: 'We are open 8–5, Monday to Friday.',
  });
  const id = created.body.cannedResponse.id as string;
  expect(
    (await admin.post('/canned-responses', { shortcut: 'HOURS', body: 'again' }).expect(409)).body.error.code,
  ).toBe('shortcut_exists');
  const bad = await admin.post('/canned-responses', { shortcut: 'no spaces', body: '' }).expect(400);
  expect(bad.body.error).toEqual(
    expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  );

  expect(
    (await agent.post('/canned-responses', { shortcut: 'mine', body: 'x' }).expect(403)).body.error.code,
  ).toBe('forbidden_role');
  expect(
    (await agent.patch(`/canned-responses/${id}`, { body: 'changed' }).expect(403)).body.error.code,
  ).toBe('forbidden_role');
  const listed = await agent.get('/canned-responses').expect(200);
  expect(listed.body.cannedResponses.map((c: { shortcut: string }) => c.shortcut)).toEqual(['hours']);
  await request(t.hub.url).get('/api/v1/canned-responses').expect(401);
  await request(t.hub.url).post('/api/v1/canned-responses').send({ shortcut: 'anon', body: 'x' }).expect(401);

  const edited = await admin.patch(`/canned-responses/${id}`, { body: 'We are open 8–6.' }).expect(200);
  expect(edited.body.cannedResponse.body).toBe('We are open 8–6.');
  await request(t.hub.url)
    .delete(`/api/v1/canned-responses/${id}`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(204);
  expect((await admin.get('/canned-responses').expect(200)).body.cannedResponses).toEqual([]);
  const audits = await queryRows<{ action: string; subject_id: string }>(
    t.database.url,
    "select action, subject_id from audit_log where subject_type = 'canned_response' order by id",
  );
  expect(audits).toEqual([
    { action: 'canned_response.created', subject_id: id },
    { action: 'canned_response.updated', subject_id: id },
    { action: 'canned_response.deleted', subject_id: id },
  ]);
});
