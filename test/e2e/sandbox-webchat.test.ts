import type { Browser, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, signIn } from '../support/browser';
import { ADMIN, startTestHub, type TestHub } from '../support/test-hub';

jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

// No Twilio credentials, as after a plain `npm start`.
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

test('the sandbox page lists web chat last, and picking it offers /chat instead of a phone', async () => {
  await page.goto(`${t.hub.url}/sandbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  const select = page.getByLabel('Channel');
  await page.getByLabel('Phone number').waitFor(VISIBLE);
  // The sandboxed channels first (SMS is opened), web chat after them.
  const options = await select.locator('option').allTextContents();
  expect(options[0]).toBe('sms');
  expect(options.at(-1)).toBe('webchat');
  expect(options).toEqual(expect.arrayContaining(['voice', 'botframework']));

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
