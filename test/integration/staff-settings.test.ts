import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// Clinic settings: admins read and change them; a change applies at once, in every hub process.
let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

async function staffOfRole(role: 'agent' | 'supervisor'): Promise<StaffApi> {
  const email = `${role}.${Date.now()}@clinic.test`;
  const member = { email, name: `A ${role}`, role, password: 'long-enough-password', queues: ['billing'] };
  return (await signedInStaff(t, member)).api;
}

test('only admins read or change settings: 403 forbidden_role for supervisors and agents', async () => {
  for (const role of ['agent', 'supervisor'] as const) {
    const api = await staffOfRole(role);
    expect((await api.get('/settings').expect(403)).body.error.code).toBe('forbidden_role');
    expect((await api.patch('/settings', { helpText: 'x' }).expect(403)).body.error.code).toBe(
      'forbidden_role',
    );
  }
  const res = await admin.get('/settings').expect(200);
  expect(res.body.settings).toMatchObject({
    name: t.hub.org.name,
    timeZone: t.hub.org.timeZone,
    helpText: null,
    helpTextMax: 320,
  });
  expect(res.body.settings.helpReply).toMatch(/Reply STOP to unsubscribe/);
});

test.each([
  { body: { timeZone: 'Mars/Olympus_Mons' }, field: 'timeZone' },
  { body: { timeZone: '' }, field: 'timeZone' },
  { body: { helpText: 'x'.repeat(321) }, field: 'helpText' },
  { body: { clinicName: 'New name' }, field: '(body)' },
  { body: {}, field: '(body)' },
])('an invalid change is refused with 400 naming $field', async ({ body, field }) => {
  const res = await admin.patch('/settings', body).expect(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.details.fields).toContain(field);
});

test('a new HELP text is what the next patient texting HELP gets, without a restart, and is audited', async () => {
  const helpText = `Riverside: call 555-0100 weekdays 8-6. Reply STOP to opt out. ${Date.now()}`;
  const res = await admin.patch('/settings', { helpText: `  ${helpText}  ` }).expect(200);
  expect(res.body.settings).toMatchObject({ helpText, helpReply: helpText });

  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'HELP' }).expect(200);
  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(sent.params.Body).toBe(helpText);

  const [audit] = await queryRows<{ detail: Record<string, unknown> }>(
    t.database.url,
    "select detail from audit_log where action = 'settings.update' order by at desc limit 1",
  );
  expect(audit!.detail).toEqual({ fields: ['helpText'], helpTextLength: helpText.length });

  // An empty text goes back to the built-in reply.
  const cleared = await admin.patch('/settings', { helpText: '' }).expect(200);
  expect(cleared.body.settings.helpText).toBeNull();
  expect(cleared.body.settings.helpReply).toMatch(/Reply STOP to unsubscribe/);
});

test('a new time zone is used by the reports at once; a second hub process picks it up too', async () => {
  const b = await startTestHub({ database: t.database, queuePrefix: t.queuePrefix, runWorkers: false });
  try {
    const other = await b.api();
    // Both processes see each other through the adapter before the change is announced.
    await eventually(async () => (await t.hub.io.of('/').adapter.serverCount()) >= 2);
    const res = await admin.patch('/settings', { timeZone: 'Pacific/Auckland' }).expect(200);
    expect(res.body.settings.timeZone).toBe('Pacific/Auckland');
    expect((await admin.get('/stats/queues').expect(200)).body.timeZone).toBe('Pacific/Auckland');
    await eventually(
      async () => (await other.get('/stats/queues').expect(200)).body.timeZone === 'Pacific/Auckland',
    );
    expect((await other.get('/settings').expect(200)).body.settings.timeZone).toBe('Pacific/Auckland');
    const [audit] = await queryRows<{ detail: Record<string, unknown> }>(
      t.database.url,
      "select detail from audit_log where action = 'settings.update' order by at desc limit 1",
    );
    expect(audit!.detail).toMatchObject({ timeZone: { to: 'Pacific/Auckland' } });
  } finally {
    await b.stop();
  }
});
