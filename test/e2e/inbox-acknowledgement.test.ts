import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// Issue 14 item 12 in a real browser: an admin turns the message acknowledgement on with the
// clinic's own wording, and the next patient's text is answered with it.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

let t: TestHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await t?.stop();
});

test('turned on with the clinic’s wording in the admin screen; the next text is answered with it', async () => {
  const errors = watchPageErrors(page);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Admin' }).click();
  const form = page.getByRole('form', { name: 'Message acknowledgement' });
  await form.waitFor(VISIBLE);
  await form.getByRole('checkbox', { name: /Answer every routine or urgent message/ }).check();
  await form.getByRole('spinbutton', { name: /At most once per conversation/ }).fill('2');
  const wording = 'Riverside got your text. We answer on weekdays within a day. Emergency? Call 911.';
  await form.getByRole('textbox', { name: /Wording in English/ }).fill(wording);
  await form.getByRole('button', { name: 'Save acknowledgement' }).click();
  await page.getByText('Acknowledgement saved').waitFor(VISIBLE);
  console.log(
    `acknowledgement settings screenshot: ${await screenshot(page, 'acknowledgement-settings.png')}`,
  );

  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'Do you validate parking?' }).expect(200);
  const answer = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(answer.params.Body).toBe(wording);

  // After a reload the form shows what is stored.
  await page.reload();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Admin' }).click();
  const again = page.getByRole('form', { name: 'Message acknowledgement' });
  await again.getByRole('textbox', { name: /Wording in English/ }).waitFor(VISIBLE);
  expect(await again.getByRole('textbox', { name: /Wording in English/ }).inputValue()).toBe(wording);
  expect(await again.getByRole('spinbutton', { name: /At most once per conversation/ }).inputValue()).toBe(
    '2',
  );
  expect(
    await again.getByRole('checkbox', { name: /Answer every routine or urgent message/ }).isChecked(),
  ).toBe(true);
  expect(errors).toEqual([]);
});
