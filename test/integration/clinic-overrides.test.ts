import request from 'supertest';
import { randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// A clinic that allows only public content on SMS: even a `limited` refill notice goes behind a link.
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ runWorkers: false, env: { CHANNEL_MAX_SENSITIVITY: 'sms=public' } });
});
afterAll(async () => {
  await t.stop();
});

test('a per-clinic channel ceiling moves limited content behind a secure link', async () => {
  const auth = { Authorization: `Bearer ${await t.staffToken()}` };
  const contact = await request(t.hub.url)
    .post('/api/v1/contacts')
    .set(auth)
    .send({ name: 'Sam', phone: randomUsPhone(), dateOfBirth: '1990-01-02' })
    .expect(201);
  const refill = {
    to: { contactId: contact.body.contact.id },
    template: 'refill-ready',
    variables: { clinicName: 'Riverside Clinic', pickupLocation: 'Main St Pharmacy' },
  };
  const check = await request(t.hub.url).post('/api/v1/policy/check').set(auth).send(refill).expect(200);
  expect(check.body.decision).toMatchObject({ allowed: true, channel: 'sms', securedVia: 'securelink' });
  const sent = await request(t.hub.url).post('/api/v1/outbound').set(auth).send(refill).expect(202);
  expect(sent.body.message.body).not.toContain('Main St Pharmacy');
  expect(sent.body.message.body).toMatch(/\/s\//);
});
