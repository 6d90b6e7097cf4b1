import request from 'supertest';
import { importOptedInAudience } from '../support/opted-in-audience';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Only drafts are edited (PATCH /campaigns/:id), and a campaign may ask to go slower than the
// clinic's CAMPAIGN_SEND_RATE (its `sendRate`), never faster.
jest.setTimeout(90_000);

// The clinic's rate is well above the campaign's own, so a campaign at 2 a second is the campaign's doing.
const CLINIC_RATE = 10;

let t: TestHub;
let admin: StaffApi;
let manager: StaffApi;
let agent: StaffApi;
beforeAll(async () => {
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: String(CLINIC_RATE) } });
  admin = await t.api();
  const staff = (email: string, role: 'agent' | 'manager') =>
    signedInStaff(t, {
      email,
      name: email,
      role,
      password: 'a-long-enough-password',
      queues: ['front-desk'],
    });
  manager = (await staff('manager@clinic.test', 'manager')).api;
  agent = (await staff('agent@clinic.test', 'agent')).api;
});
afterAll(async () => {
  await t.stop();
});

const draft = (tag: string, extra: Record<string, unknown> = {}) => ({
  name: `Recall ${tag}`,
  template: 'recall-outreach',
  audience: { filter: { tags: [tag] } },
  variables: { link: 'https://book.clinic.test/recall' },
  ...extra,
});
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const codeOf = (res: request.Response) => res.body.error?.code;

test('a manager edits a draft: only the fields given change, null clears one, and the edit is audited', async () => {
  const created = await manager.post('/campaigns', draft('ed1', { endAt: inAnHour() })).expect(201);
  const id = created.body.id as string;
  const scheduleAt = new Date(Date.now() + 600_000).toISOString();
  const edited = await manager
    .patch(`/campaigns/${id}`, { name: 'Recall, second try', scheduleAt, sendRate: 2, endAt: null })
    .expect(200);
  expect(edited.body).toMatchObject({
    id,
    name: 'Recall, second try',
    template: 'recall-outreach',
    audience: { filter: { tags: ['ed1'] } },
    variables: { link: 'https://book.clinic.test/recall' },
    scheduleAt,
    endAt: null,
    sendRate: 2,
    status: 'draft',
  });
  // What the API answers is what is stored: a read shows the same.
  expect((await manager.get(`/campaigns/${id}`).expect(200)).body).toMatchObject({
    name: 'Recall, second try',
    sendRate: 2,
    endAt: null,
  });
  // Back to the clinic's rate, and an audience from a filter.
  const again = await admin
    .patch(`/campaigns/${id}`, { sendRate: null, audience: { filter: { tags: ['ed1b'] } } })
    .expect(200);
  expect(again.body).toMatchObject({ sendRate: null, audience: { filter: { tags: ['ed1b'] } } });
  const audit = await queryRows<{ action: string; detail: { fields: string[] } }>(
    t.database.url,
    `select action, detail from audit_log where subject_id = $1 and action = 'campaign.edit' order by id`,
    [id],
  );
  expect(audit.map((row) => row.detail.fields)).toEqual([
    ['endAt', 'name', 'scheduleAt', 'sendRate'],
    ['audience', 'sendRate'],
  ]);
});

test('an edit is refused: 409 once started or cancelled, 403 for an agent, 401 anonymous, 404 unknown', async () => {
  const id = (await manager.post('/campaigns', draft('ed2', { scheduleAt: inAnHour() })).expect(201)).body.id;
  await agent.patch(`/campaigns/${id}`, { name: 'Agent was here' }).expect(403);
  await request(t.hub.url).patch(`/api/v1/campaigns/${id}`).send({ name: 'Anyone' }).expect(401);
  await manager.patch('/campaigns/00000000-0000-4000-8000-000000000000', { name: 'x' }).expect(404);

  // A scheduled campaign has started: it keeps what it started with.
  await importOptedInAudience(t, admin, `externalId,phone,tags\ned2-0,${randomUsPhone()},ed2\n`, 'ed2');
  await manager.post(`/campaigns/${id}/start`, {}).expect(200);
  const started = await manager.patch(`/campaigns/${id}`, { name: 'Too late' }).expect(409);
  expect(started.body.error).toMatchObject({ code: 'campaign_not_draft', details: { status: 'scheduled' } });
  await manager.post(`/campaigns/${id}/cancel`, {}).expect(200);
  expect(codeOf(await manager.patch(`/campaigns/${id}`, { sendRate: 1 }).expect(409))).toBe(
    'campaign_not_draft',
  );
  expect((await manager.get(`/campaigns/${id}`).expect(200)).body.name).toBe('Recall ed2');
});

test('bad edits get the codes a create gives and change nothing', async () => {
  const created = await manager
    .post('/campaigns', draft('ed3', { scheduleAt: inAnHour(), sendRate: 3 }))
    .expect(201);
  const id = created.body.id as string;
  const refuse = async (body: object, status: number, code: string) =>
    expect(codeOf(await manager.patch(`/campaigns/${id}`, body).expect(status))).toBe(code);
  await refuse({ template: 'nope' }, 422, 'template_not_found');
  await refuse({ scheduleAt: '2020-01-01T10:00:00Z' }, 422, 'schedule_in_past');
  await refuse({ endAt: '2020-01-01T10:00:00Z' }, 422, 'end_in_past');
  // The new end against the draft's schedule, an hour away.
  await refuse({ endAt: new Date(Date.now() + 60_000).toISOString() }, 422, 'end_before_schedule');
  await refuse(
    { audience: { audienceId: '00000000-0000-4000-8000-000000000000' } },
    422,
    'audience_not_found',
  );
  await refuse({ sendRate: CLINIC_RATE + 1 }, 422, 'send_rate_above_clinic_rate');
  await refuse({ sendRate: 0 }, 400, 'validation_failed');
  await refuse({ sendRate: 'fast' }, 400, 'validation_failed');
  await refuse({ name: '' }, 400, 'validation_failed');
  await refuse({ status: 'running' }, 400, 'validation_failed');
  await refuse({}, 400, 'validation_failed');
  // A create is held to the same rate.
  expect(codeOf(await manager.post('/campaigns', draft('ed3', { sendRate: 50 })).expect(422))).toBe(
    'send_rate_above_clinic_rate',
  );
  const after = (await manager.get(`/campaigns/${id}`).expect(200)).body;
  expect(after).toMatchObject({
    name: created.body.name,
    template: 'recall-outreach',
    scheduleAt: created.body.scheduleAt,
    endAt: null,
    sendRate: 3,
  });
});

test("a campaign's own rate of 2 a second holds at the carrier, under a clinic rate of 10", async () => {
  const tag = `rate${Date.now().toString(36)}`;
  const phones = Array.from({ length: 9 }, () => randomUsPhone());
  const zone = middayTimeZone();
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map((phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,en,${zone},${tag}`),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  const id = (await manager.post('/campaigns', draft(tag)).expect(201)).body.id;
  await manager.patch(`/campaigns/${id}`, { sendRate: 2 }).expect(200);
  await manager.post(`/campaigns/${id}/start`, {}).expect(200);
  const done = await eventually(async () => {
    const res = await manager.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  }, 30_000);
  expect(done.stats).toMatchObject({ recipients: phones.length, sent: phones.length, failed: 0 });

  // The carrier's own clock: no window of one second holds more than 2 of them.
  const times = t.twilio.messages
    .filter((m) => phones.includes(String(m.params.To)))
    .map((m) => m.createdAt.getTime())
    .sort((a, b) => a - b);
  expect(times).toHaveLength(phones.length);
  for (let i = 0; i + 2 < times.length; i++) expect(times[i + 2]! - times[i]!).toBeGreaterThanOrEqual(1000);
});
