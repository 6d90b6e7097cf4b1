import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestDatabase, queryRows, type TestDatabase } from '../support/test-database';
import { eventually, startTestHub, type TestHub } from '../support/test-hub';

const ROW = 'secret:email-sandbox-inbound-secret';
const KEY = randomBytes(32).toString('base64');

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const storedValue = async () =>
  (
    await queryRows<{ value: string }>(database.url, 'select value from hub_settings where key = $1', [ROW])
  )[0]?.value;

/** Stops a hub once its Redis connections are up (closing them mid-connect makes ioredis throw). */
async function stopWhenReady(hub: TestHub) {
  await eventually(async () => (await request(hub.hub.url).get('/readyz')).status === 200);
  await hub.stop();
}

/** An email posted to the sandbox webhook with `secret`: 200 when it is the hub's own. */
const postEmail = (url: string, secret: string) =>
  request(url)
    .post('/webhooks/email/inbound')
    .set('Content-Type', 'message/rfc822')
    .set('X-CareLine-Email-Secret', secret)
    .send(
      `From: pat@example.org\r\nTo: desk@localhost\r\nMessage-ID: <${randomUUID()}@example.org>\r\nSubject: Hi\r\n\r\nHello\r\n`,
    );

test('secrets in hub_settings are stored encrypted; a plaintext row from an older hub is encrypted at start and still works', async () => {
  // The first start writes the email webhook's sandbox secret (no SMTP_URL, no EMAIL_INBOUND_SECRET).
  const first = await startTestHub({ database, runWorkers: false, env: { SETTINGS_ENCRYPTION_KEY: KEY } });
  await stopWhenReady(first);
  const written = await storedValue();
  expect(written).toMatch(/^enc:v1:/);

  // An older hub kept it in clear: put such a row back.
  const legacy = 'legacy-plaintext-inbound-secret-0123';
  await queryRows(database.url, 'update hub_settings set value = $2 where key = $1', [ROW, legacy]);

  const second = await startTestHub({ database, runWorkers: false, env: { SETTINGS_ENCRYPTION_KEY: KEY } });
  try {
    const atRest = await storedValue();
    expect(atRest).toMatch(/^enc:v1:/);
    expect(atRest).not.toContain(legacy);
    // The same secret, read back through the key: the webhook takes it, and not its ciphertext.
    await postEmail(second.hub.url, legacy).expect(200);
    await postEmail(second.hub.url, atRest!).expect(401);
  } finally {
    await stopWhenReady(second);
  }

  // Another key cannot open them: the start stops, saying which variable.
  await expect(
    startTestHub({
      database,
      runWorkers: false,
      env: { SETTINGS_ENCRYPTION_KEY: randomBytes(32).toString('hex') },
    }),
  ).rejects.toThrow(/SETTINGS_ENCRYPTION_KEY/);
});
