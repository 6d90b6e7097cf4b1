import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { ensureWebPagesBuilt, launchChromium, signIn } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

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

/** The conversation whose last message is `body`, found through the staff API. */
async function conversationWith(body: string): Promise<string> {
  const api = await t.api();
  return eventually(async () => {
    const list = await api.get('/conversations?sort=activity&status=all').expect(200);
    return (list.body.conversations as { id: string; snippet: string | null }[]).find((c) =>
      c.snippet?.includes(body),
    )?.id;
  });
}

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

test('the phone follows the /inbox socket: a staff reply shows live, well before the slow fallback poll', async () => {
  const phone = randomUsPhone();
  await page.goto(`${t.hub.url}/sandbox`);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  await page.getByLabel('Phone number').fill(phone);
  await page.getByRole('button', { name: 'Open' }).click();
  const thread = page.getByRole('list', { name: 'Phone messages' });
  const question = `Is there a pharmacy nearby ${Date.now()}?`;
  await page.getByRole('textbox', { name: 'Message from the patient' }).fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
  await thread.getByText(question).waitFor(VISIBLE);

  const api = await t.api();
  const conversationId = await conversationWith(question);
  await api
    .post(`/conversations/${conversationId}/messages`, { body: 'One on Main Street.', sensitivity: 'public' })
    .expect(202);
  // The fallback poll runs every 15 s while the socket is up; this waits for less.
  await thread.getByText('One on Main Street.').waitFor({ state: 'visible', timeout: 8_000 });
});

test('the sandbox plays an email patient through the email webhook, and shows the staff reply', async () => {
  const address = `pat.${Date.now()}@example.org`;
  const api = await t.api();
  const channels = await api.get('/sandbox/channels').expect(200);
  expect(channels.body.channels).toEqual(
    expect.arrayContaining([{ channel: 'email', identityKind: 'email', canReply: true }]),
  );
  // From the API: the hub builds the MIME message and posts it, with the secret, to its own webhook.
  const question = `Can I get a copy of my invoice ${Date.now()}`;
  await api.post('/sandbox/email/inbound', { from: address, body: question }).expect(202);
  const conversationId = await conversationWith(question);
  const detail = await api.get(`/conversations/${conversationId}`).expect(200);
  expect(detail.body.conversation.contact.identities).toEqual(
    expect.arrayContaining([expect.objectContaining({ kind: 'email', address })]),
  );
  await api.post('/sandbox/email/inbound', { from: 'not an address', body: 'x' }).expect(400);

  // In the page: the mailbox shows the message, then the staff reply that went back by email.
  await page.goto(`${t.hub.url}/sandbox`);
  await page.getByLabel('Channel').selectOption('email');
  await page.getByLabel('Email address').fill(address);
  await page.getByRole('button', { name: 'Open' }).click();
  const thread = page.getByRole('list', { name: 'Phone messages' });
  await thread.getByText(question).waitFor(VISIBLE);
  await api
    .post(`/conversations/${conversationId}/messages`, {
      body: 'Your invoice is attached to your account online.',
      sensitivity: 'limited',
    })
    .expect(202);
  await thread.getByText('Your invoice is attached to your account online.').waitFor(VISIBLE);
  await page.getByRole('link', { name: 'open /chat in another tab' }).waitFor(VISIBLE);
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

test('the sandbox page lists web chat last, and picking it offers /chat instead of a phone', async () => {
  // Signed in by the first test of this file.
  await page.goto(`${t.hub.url}/sandbox`);
  const select = page.getByLabel('Channel');
  await page.getByLabel('Phone number').waitFor(VISIBLE);
  // The sandboxed channels first (SMS is opened), web chat after them.
  const options = await select.locator('option').allTextContents();
  // Named for people, as everywhere in the pages.
  expect(options[0]).toBe('SMS');
  expect(options.at(-1)).toBe('Web chat');
  expect(options).toEqual(expect.arrayContaining(['Voice call', 'Teams']));

  await select.selectOption('webchat');
  const link = page.getByRole('link', { name: 'Open /chat in another tab' });
  await link.waitFor(VISIBLE);
  expect(await link.getAttribute('href')).toBe('/chat');
  expect(await page.getByLabel('Phone number').count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Open' }).count()).toBe(0);

  // Back to a phone channel: the phone form again.
  await select.selectOption('sms');
  await page.getByLabel('Phone number').waitFor(VISIBLE);
});
