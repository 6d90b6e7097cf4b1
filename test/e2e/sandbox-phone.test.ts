import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { ensureWebPagesBuilt, launchChromium, signIn } from '../support/browser';
import { ADMIN, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

// No Twilio credentials: SMS runs sandboxed, as after a plain `npm start`.
let t: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub({
    env: { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM_NUMBER: '', TWILIO_API_URL: '' },
  });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

test('the sandbox phone texts the clinic and shows the reply the hub sent back', async () => {
  const phone = randomUsPhone();
  await page.goto(`${t.hub.url}/sandbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByLabel('Phone number').fill(phone);
  await page.getByRole('button', { name: 'Open' }).click();
  const thread = page.getByRole('list', { name: 'Phone messages' });

  await page
    .getByRole('textbox', { name: 'Message from the patient' })
    .fill('Do you have parking at the clinic?');
  await page.getByRole('button', { name: 'Send' }).click();
  await thread.getByText('Do you have parking at the clinic?').waitFor(VISIBLE);

  // A staff member answers through the API; the phone shows it once the sandbox has "sent" it.
  const api = await t.api();
  const list = await api.get('/conversations?sort=activity&status=all').expect(200);
  const conversation = (list.body.conversations as { id: string; snippet: string | null }[]).find((c) =>
    c.snippet?.includes('parking'),
  );
  expect(conversation).toBeDefined();
  await api
    .post(`/conversations/${conversation!.id}/messages`, {
      body: 'Yes, free parking behind the building.',
      sensitivity: 'public',
    })
    .expect(202);
  await thread.getByText('Yes, free parking behind the building.').waitFor(VISIBLE);
});

test('the sandbox threads API is for staff, on sandboxed channels only', async () => {
  await request(t.hub.url).get('/api/v1/sandbox/threads?channel=sms&address=%2B14155550123').expect(401);
  const api = await t.api();
  await api.get('/sandbox/threads?channel=fax&address=x').expect(404);
  await api.get('/sandbox/threads?channel=sms&address=not-a-phone').expect(400);
  const empty = await api
    .get(`/sandbox/threads?channel=sms&address=${encodeURIComponent(randomUsPhone())}`)
    .expect(200);
  expect(empty.body.messages).toEqual([]);
  const channels = await api.get('/sandbox/channels').expect(200);
  expect(channels.body.channels).toEqual(
    expect.arrayContaining([expect.objectContaining({ channel: 'sms', canReply: true })]),
  );
});
