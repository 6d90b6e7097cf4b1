import request from 'supertest';
import { channelFactories } from '../../channels';
import { PAGER_HANDSET_KIND, pagerChannel } from '../channels/pager';
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
    'skipped clinic pager: it may not carry PHI and no secure link is available',
  );
});

test('the page reads the extra channel and its declared label from GET /channels', async () => {
  const res = await api.get('/channels').expect(200);
  expect(res.body.channels).toContainEqual({
    channel: 'pager',
    label: 'clinic pager',
    // Not declared: the label with a capital.
    title: 'Clinic pager',
    mark: 'Page',
    identityKind: 'phone',
    delivers: true,
  });
  expect(res.body.channels).toContainEqual(
    expect.objectContaining({ channel: 'securelink', delivers: false }),
  );
});

test("a reply from the extra channel's own identity kind is stored, labelled as it declares and listed, its id never shown", async () => {
  // The kind, how it is shown and its visitor's name are the pager's declarations; the core had a
  // fixed list of kinds (and of chat kinds to hide) before.
  const handset = `HS-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const reply = (token: string) =>
    request(t.hub.url)
      .post('/webhooks/pager/replies')
      .set('authorization', `Bearer ${token}`)
      .send({ id: `PR-${handset}`, handset, text: 'Received, on my way to the front desk' });
  await reply('not-the-token').expect(403);
  const stored = await reply(pager.webhookToken).expect(200);
  const messageId: string = stored.body.messageId;

  const row = await eventually(async () => {
    const list = await api.get('/conversations').expect(200);
    return list.body.conversations.find(
      (c: { lastMessage: { id: string } | null }) => c.lastMessage?.id === messageId,
    );
  });
  expect(row).toMatchObject({ displayName: 'Pager user', displayAddress: null });
  expect(JSON.stringify(row)).not.toContain(handset);

  const detail = (await api.get(`/conversations/${row.id}`).expect(200)).body.conversation;
  expect(detail).toMatchObject({ displayName: 'Pager user', displayAddress: null });
  expect(detail.contact.identities).toEqual([
    expect.objectContaining({ kind: PAGER_HANDSET_KIND, display: 'pager handset' }),
  ]);
  expect(detail.messages).toContainEqual(
    expect.objectContaining({ id: messageId, channel: 'pager', direction: 'inbound' }),
  );

  // A name on file is what staff read; the handset id still is not.
  await api.patch(`/contacts/${detail.contact.id}`, { name: 'Dr. Rivera' }).expect(200);
  const named = await api.get(`/conversations/${row.id}`).expect(200);
  expect(named.body.conversation).toMatchObject({ displayName: 'Dr. Rivera', displayAddress: null });
});

test("a contact may prefer the extra channel: an automated send goes there first, named by the adapter's label", async () => {
  const phone = randomUsPhone();
  const created = await api
    .post('/contacts', {
      phone,
      email: `${phone.slice(1)}@example.org`,
      channelPreferences: ['pager', 'sms'],
    })
    .expect(201);
  expect(created.body.contact.channelPreferences).toEqual(['pager', 'sms']);
  const body = 'The clinic opens at 9 tomorrow.';
  const res = await api
    .post('/outbound', { to: { phone }, body, sensitivity: 'public', purpose: 'administrative' })
    .expect(202);
  expect(res.body.decision).toMatchObject({ allowed: true, channel: 'pager' });
  expect(res.body.decision.reasons).toContain('will go by clinic pager');
  await eventually(async () => pager.sent.find((e) => e.body === body));
});

test("a patient's consent is recorded for the extra channel, and the policy obeys it", async () => {
  const phone = randomUsPhone();
  const created = await api.post('/contacts', { phone }).expect(201);
  await api
    .post(`/contacts/${created.body.contact.id}/consents`, {
      channel: 'pager',
      purpose: 'all',
      status: 'opted_out',
    })
    .expect(201);
  const refused = await api
    .post('/outbound', {
      to: { phone },
      channel: 'pager',
      body: 'Your parking permit is ready.',
      sensitivity: 'public',
      purpose: 'administrative',
    })
    .expect(202);
  // Not refused outright: an automated message falls back past the opted-out pager to SMS.
  expect(refused.body.decision.channel).toBe('sms');
  expect(refused.body.decision.considered).toContainEqual(expect.objectContaining({ channel: 'pager' }));
});

test('an appointment reminder may be asked for on the extra channel, and not on one the hub does not run', async () => {
  const phone = randomUsPhone();
  const created = await api.post('/contacts', { phone }).expect(201);
  const appointment = await api
    .post('/appointments', {
      contactId: created.body.contact.id,
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      location: 'Main St clinic',
    })
    .expect(201);
  const path = `/appointments/${appointment.body.appointment.id}/reminders`;
  await api.post(path, { channel: 'fax' }).expect(400);
  const reminder = await api.post(path, { channel: 'pager' }).expect(202);
  expect(reminder.body.message.channel).toBe('pager');
  await eventually(async () => pager.sent.find((e) => e.to === phone));
});

test('a contact cannot prefer, nor consent on, a channel the hub does not run', async () => {
  await api.post('/contacts', { phone: randomUsPhone(), channelPreferences: ['fax'] }).expect(400);
  const created = await api.post('/contacts', { phone: randomUsPhone() }).expect(201);
  await api
    .post(`/contacts/${created.body.contact.id}/consents`, {
      channel: 'fax',
      purpose: 'all',
      status: 'opted_out',
    })
    .expect(400);
});

test('a channel the hub does not run, or a secure link, cannot be asked for', async () => {
  for (const channel of ['fax', 'securelink']) {
    const res = await api
      .post('/outbound', { to: { phone: randomUsPhone() }, channel, body: 'hello', sensitivity: 'public' })
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
  }
});

test('the fallback order is what the adapters declare: the pager ranks between SMS and email', async () => {
  // Before, the order was a list in the policy engine (sms, email, voice, webchat, botframework,
  // then the rest): a contact who opted out of SMS got email, and the pager came last.
  const phone = randomUsPhone();
  const created = await api.post('/contacts', { phone, email: `${phone.slice(1)}@example.org` }).expect(201);
  await api
    .post(`/contacts/${created.body.contact.id}/consents`, {
      channel: 'sms',
      purpose: 'all',
      status: 'opted_out',
    })
    .expect(201);
  const body = 'The pharmacy closes early on Friday.';
  const res = await api
    .post('/outbound', { to: { phone }, body, sensitivity: 'public', purpose: 'administrative' })
    .expect(202);
  expect(res.body.decision).toMatchObject({ allowed: true, channel: 'pager' });
  expect(res.body.decision.considered.map((c: { channel: string }) => c.channel).slice(0, 2)).toEqual([
    'sms',
    'pager',
  ]);
  await eventually(async () => pager.sent.find((e) => e.body === body));
});

test('a campaign may prefer the extra channel, which declares it carries campaigns; its preview renders the plain-text wording', async () => {
  const phone = randomUsPhone();
  // A language no other contact of this suite has: the audience is this contact alone.
  const created = await api.post('/contacts', { phone, language: 'kw' }).expect(201);
  await api
    .post(`/contacts/${created.body.contact.id}/consents`, {
      channel: 'pager',
      purpose: 'marketing',
      status: 'opted_in',
    })
    .expect(201);
  const campaign = {
    name: 'Recall by pager',
    template: 'recall-outreach',
    audience: { filter: { language: 'kw' } },
    variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/recall' },
  };
  // Web chat declares no campaigns (a chat is answered, never started by the clinic).
  await api.post('/campaigns', { ...campaign, channelPreference: 'webchat' }).expect(400);
  await api.post('/campaigns', { ...campaign, channelPreference: 'fax' }).expect(400);
  const res = await api.post('/campaigns', { ...campaign, channelPreference: 'pager' }).expect(201);
  expect(res.body.channelPreference).toBe('pager');
  const preview = await api.post(`/campaigns/${res.body.id}/preview`, {}).expect(200);
  expect(preview.body).toMatchObject({ recipients: 1, byChannel: { pager: 1 } });
  expect(preview.body.samples).toEqual([
    {
      channel: 'pager',
      locale: 'kw',
      text: "Riverside Clinic: it's time to schedule your next check-up. Book at https://book.clinic.test/recall or call us. Reply STOP to opt out.",
    },
  ]);
  await api.post(`/campaigns/${res.body.id}/start`, {}).expect(200);
  const sent = await eventually(async () => pager.sent.find((e) => e.to === phone));
  expect(sent.body).toContain("it's time to schedule");
});

test.each([
  ['sms', 10, ['verification', 'campaign'], 'sms'],
  ['email', 20, ['verification', 'campaign'], 'email'],
  ['voice', 30, ['campaign'], 'voice'],
  ['webchat', 40, undefined, 'webchat'],
  ['botframework', 50, undefined, undefined],
])(
  'the %s adapter declares fallback rank %p, carries %p, takes the %s template wording',
  (name, rank, carries, body) => {
    const adapter = t.hub.outbound.channels.get(name);
    expect(adapter?.fallbackRank).toBe(rank);
    expect(adapter?.canCarry).toEqual(carries);
    expect(adapter?.templateBody).toBe(body);
  },
);

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
