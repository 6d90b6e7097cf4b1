import { channelFactories } from '../../channels';
import { pagerChannel } from '../channels/pager';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// A channel is a folder and a line: the pager in test/channels/pager is started with the hub's own
// channels and reached through the one send path (POST /outbound → planOutbound → the policy), with
// no edit to the core. What it declares is what the policy obeys.
let t: TestHub;
let api: StaffApi;
const pager = pagerChannel();
beforeAll(async () => {
  t = await startTestHub({ channelFactories: [...channelFactories, pager.factory] });
  api = await t.api();
});
afterAll(async () => {
  await t.stop();
});

test('a message asked for on the extra channel goes there, through the policy', async () => {
  const phone = randomUsPhone();
  const body = 'Your parking permit is ready at the front desk.';
  const res = await api
    .post('/outbound', {
      to: { phone },
      channel: 'pager',
      body,
      sensitivity: 'public',
      purpose: 'administrative',
    })
    .expect(202);
  expect(res.body.decision).toMatchObject({ allowed: true, channel: 'pager', securedVia: null });
  const sent = await eventually(async () => pager.sent.find((e) => e.body === body));
  expect(sent.to).toBe(phone);
});

test("the extra channel's declared ceiling is read: limited content goes, PHI does not", async () => {
  // A channel nobody classified used to get `public` from a table in the core; the pager declares
  // `limited`, and limited content goes on it.
  const phone = randomUsPhone();
  const limited = 'Your appointment is tomorrow at 10:00.';
  const accepted = await api
    .post('/outbound', {
      to: { phone },
      channel: 'pager',
      body: limited,
      sensitivity: 'limited',
      purpose: 'care',
    })
    .expect(202);
  expect(accepted.body.decision).toMatchObject({ allowed: true, channel: 'pager' });
  await eventually(async () => pager.sent.find((e) => e.body === limited));

  const refused = await api
    .post('/outbound', {
      to: { phone },
      channel: 'pager',
      body: 'Your biopsy result is back.',
      sensitivity: 'phi',
      purpose: 'care',
    })
    .expect(422);
  expect(refused.body.error.code).toBe('no_channel_allowed');
  expect(refused.body.error.details.reasons).toContain(
    'skipped pager: it may not carry PHI and no secure link is available',
  );
});

test('a channel the hub does not run, or a secure link, cannot be asked for', async () => {
  for (const channel of ['fax', 'securelink']) {
    const res = await api
      .post('/outbound', { to: { phone: randomUsPhone() }, channel, body: 'hello', sensitivity: 'public' })
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
  }
});

test.each([
  ['sms', 'limited', true],
  ['email', 'limited', true],
  ['voice', 'limited', false],
  ['securelink', 'phi', true],
  ['webchat', 'limited', true],
  ['botframework', 'limited', true],
])('the %s adapter declares a %s ceiling; carries a secure-link notice: %p', (name, ceiling, notice) => {
  const adapter = t.hub.outbound.channels.get(name);
  expect(adapter?.maxSensitivity).toBe(ceiling);
  expect(adapter?.carriesSecureLinkNotice !== false).toBe(notice);
});
