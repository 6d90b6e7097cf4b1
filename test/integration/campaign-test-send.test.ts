import request from 'supertest';
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

// A test send of a campaign to a staff member's own phone: rendered with sample values, through the
// same policy as any send, marked as a test, and never a recipient or a figure of the campaign.
jest.setTimeout(60_000);

let t: TestHub;
let admin: StaffApi;
let manager: StaffApi;
let agent: StaffApi;

async function as(email: string, role: 'agent' | 'manager') {
  const { api } = await signedInStaff(t, {
    email,
    name: email,
    role,
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  });
  return api;
}

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  manager = await as('tester-manager@clinic.test', 'manager');
  agent = await as('tester-agent@clinic.test', 'agent');
});
afterAll(async () => {
  await t.stop();
});

test('a manager sends herself a test: same policy, sample values, marked, never counted', async () => {
  const created = await manager
    .post('/campaigns', {
      name: 'Test send',
      template: 'recall-outreach',
      audience: { filter: { tags: ['nobody-has-this-tag'] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  const phone = randomUsPhone();

  await agent.post(`/campaigns/${id}/test-send`, { to: phone }).expect(403);
  await request(t.hub.url).post(`/api/v1/campaigns/${id}/test-send`).send({ to: phone }).expect(401);
  const bad = await manager.post(`/campaigns/${id}/test-send`, { to: 'not an address' }).expect(422);
  expect(bad.body.error.code).toBe('invalid_test_address');

  // A marketing template: the policy asks for the number's opt-in, as it would for a patient's.
  const refused = await manager.post(`/campaigns/${id}/test-send`, { to: phone }).expect(422);
  expect(refused.body.error.code).toBe('marketing_requires_opt_in');
  expect(t.twilio.messages.some((m) => m.params.To === phone)).toBe(false);

  const [contact] = await queryRows<{ contact_id: string }>(
    t.database.url,
    `select contact_id from contact_identities where kind = 'phone' and address = $1`,
    [phone],
  );
  await admin.patch(`/contacts/${contact!.contact_id}`, { timeZone: middayTimeZone() }).expect(200);
  await admin
    .post(`/contacts/${contact!.contact_id}/consents`, {
      channel: 'sms',
      purpose: 'marketing',
      status: 'opted_in',
    })
    .expect(201);
  const sent = await manager.post(`/campaigns/${id}/test-send`, { to: phone }).expect(202);
  expect(sent.body).toMatchObject({ test: true, channel: 'sms' });

  const received = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  // The campaign's own variables, the clinic's name, and a sample name for the patient's.
  expect(String(received.params.Body)).toContain('book.clinic.test/recall');
  const [row] = await queryRows<{ automation: string; campaign_id: string | null }>(
    t.database.url,
    'select automation, campaign_id from messages where id = $1',
    [sent.body.messageId],
  );
  expect(row).toEqual({ automation: 'campaign_test', campaign_id: null });

  // Still a draft with no recipient and no figure.
  const { body } = await manager.get(`/campaigns/${id}`).expect(200);
  expect(body.status).toBe('draft');
  expect(body.stats).toMatchObject({ recipients: 0, sent: 0, delivered: 0, failed: 0 });
  const audit = await queryRows<{ n: string }>(
    t.database.url,
    `select count(*) as n from audit_log where action = 'campaign.test_send' and subject_id = $1`,
    [id],
  );
  expect(Number(audit[0]!.n)).toBe(1);
});
