import request from 'supertest';
import { type HubProcess, startHubProcess } from '../support/hub-process';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  middayTimeZone,
  PUBLIC_URL,
  randomUsPhone,
  startTestHub,
  type TestHub,
  testRedisUrl,
} from '../support/test-hub';

// A campaign whose worker process is killed with SIGKILL mid-send, then started again: every
// recipient gets the message exactly once. Hub A (in this jest process) takes the API calls and runs
// no workers; the planner and the sends run in hub B, a separate OS process as production runs it.
jest.setTimeout(150_000);

const RATE = 3;
let a: TestHub;
let b: HubProcess | undefined;

const workerEnv = () => ({
  PUBLIC_URL,
  DATABASE_URL: a.database.url,
  REDIS_URL: testRedisUrl(),
  QUEUE_PREFIX: a.queuePrefix,
  TWILIO_ACCOUNT_SID: a.twilio.accountSid,
  TWILIO_AUTH_TOKEN: a.authToken,
  TWILIO_FROM_NUMBER: CLINIC_NUMBER,
  TWILIO_API_URL: a.twilio.url,
  CLINIC_TIME_ZONE: middayTimeZone(),
  CAMPAIGN_SEND_RATE: String(RATE),
  // A send claim cut off by the kill lapses soon, and the sweepers look often.
  OUTBOX_LEASE_SECONDS: '5',
  OUTBOX_SWEEP_SECONDS: '1',
});

beforeAll(async () => {
  a = await startTestHub({ runWorkers: false });
  b = await startHubProcess(workerEnv());
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

test('a worker killed mid-campaign: after a restart every recipient has the message exactly once', async () => {
  const admin = await a.api();
  const n = 15;
  const tag = `crash${Date.now().toString(36)}`;
  const phones = Array.from({ length: n }, () => randomUsPhone());
  const csv = [
    'externalId,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map((phone, i) => `${tag}-${i},${phone},1950-01-01,en,${middayTimeZone()},${tag}`),
  ].join('\n');
  const imported = await request(a.hub.url)
    .post('/api/v1/contacts/imports')
    .set('Authorization', `Bearer ${await a.staffToken()}`)
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(202);
  await eventually(async () => {
    const res = await admin.get(`/contacts/imports/${imported.body.id}`).expect(200);
    return res.body.status === 'completed';
  });
  const contacts = await queryRows<{ id: string }>(
    a.database.url,
    'select id from contacts where tags ? $1',
    [tag],
  );
  expect(contacts).toHaveLength(n);
  for (const { id } of contacts) {
    await admin
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }

  const created = await admin
    .post('/campaigns', {
      name: 'Crash',
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/x' },
    })
    .expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);

  const got = () => a.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  await eventually(async () => got().length >= 3, 30_000);
  b!.child.kill('SIGKILL');
  await new Promise((resolve) => b!.child.once('exit', resolve));
  const beforeRestart = got().length;
  expect(beforeRestart).toBeLessThan(n);

  b = await startHubProcess(workerEnv());
  await eventually(async () => {
    const res = await admin.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  }, 90_000);
  const perNumber = new Map<string, number>();
  for (const m of got()) perNumber.set(String(m.params.To), (perNumber.get(String(m.params.To)) ?? 0) + 1);
  expect(perNumber.size).toBe(n);
  expect([...perNumber.entries()].filter(([, count]) => count !== 1)).toEqual([]);
  const [outbox] = await queryRows<{ n: string }>(
    a.database.url,
    `select count(*) as n from campaign_recipients r join messages m on m.id = r.message_id where r.campaign_id = $1`,
    [id],
  );
  expect(Number(outbox!.n)).toBe(n);
});
