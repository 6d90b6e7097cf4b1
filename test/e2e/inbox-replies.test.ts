import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// Issue 14 item 6 in a real browser: the first reply to a new patient (no date of birth on file)
// is explained in plain words, and the composer's ways out work with one click each.
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
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await t?.stop();
});

async function openNewPatient(words: string): Promise<string> {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: words }).expect(200);
  const row = page.locator('li[data-conversation-id]').filter({ hasText: words });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').first().click();
  await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
  return phone;
}

test('a PHI reply to a new patient: told why, the date of birth added in the composer, sent as a secure link, and the sender holds the conversation', async () => {
  const errors = watchPageErrors(page);
  const phone = await openNewPatient(`Hello, is my lab work back? ${Date.now()}`);
  const preview = page.getByRole('status', { name: 'Policy preview' });

  const reply = 'Your cholesterol came back high; the doctor wants to talk diet.';
  await page.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await preview.filter({ hasText: 'no date of birth on file' }).waitFor(VISIBLE);
  expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
  console.log(`blocked reply screenshot: ${await screenshot(page, 'reply-needs-date-of-birth.png')}`);

  await page.getByRole('button', { name: 'Add date of birth' }).click();
  await page.getByLabel('Date of birth').fill('1950-02-03');
  await page.getByRole('button', { name: 'Save date of birth' }).click();
  await preview.filter({ hasText: 'Will go as a secure link' }).waitFor(VISIBLE);
  await page.getByRole('button', { name: 'Send as secure link' }).click();

  // The patient gets a notice with a link, never the words.
  const notice = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(String(notice.params.Body)).toMatch(/\/s\/[A-Za-z0-9_-]+/);
  expect(String(notice.params.Body)).not.toMatch(/cholesterol|diet/);
  await page.getByText('Assigned to Administrator').waitFor(VISIBLE);
  expect(errors).toEqual([]);
});

test('marking the reply not sensitive is one click, and it goes as written', async () => {
  const phone = await openNewPatient(`Can I park behind the building? ${Date.now()}`);
  const preview = page.getByRole('status', { name: 'Policy preview' });
  const reply = `Yes, the back lot is free ${Date.now()}.`;
  await page.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await preview.filter({ hasText: 'Not sent yet' }).waitFor(VISIBLE);
  await page.getByRole('button', { name: 'Mark as not sensitive' }).click();
  await preview.filter({ hasText: 'Will go by SMS as written' }).waitFor(VISIBLE);
  // The way back to the safe form is offered only when a link could open: no date of birth here.
  expect(await page.getByRole('button', { name: 'Use a secure link instead' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(sent.params.Body).toBe(reply);
});

test('the template picker: no system templates, variables in words, the clinic’s name filled in, the text shown before sending', async () => {
  const phone = await openNewPatient(`When is my appointment? ${Date.now()}`);
  const picker = page.getByLabel('Template');
  const offered = await picker.locator('option').allTextContents();
  expect(offered).toContain('Appointment reminder');
  expect(offered).not.toContain('Emergency safety reply');
  expect(offered).not.toContain('Secure message notice');
  await picker.selectOption({ label: 'Appointment reminder' });

  const variables = page.getByRole('group', { name: 'Variables' });
  expect(await variables.getByLabel('Clinic name').inputValue()).toBe(t.hub.org.name);
  await variables.getByLabel('Appointment time').fill('2031-05-06T09:30');
  await variables.getByLabel('Location').fill('Main Street site');
  const rendered = page.getByRole('figure', { name: 'What the patient will read' });
  await rendered.filter({ hasText: 'Main Street site' }).waitFor(VISIBLE);
  await rendered.filter({ hasText: 'by SMS' }).waitFor(VISIBLE);
  const shown = await rendered.locator('p').textContent();
  console.log(`template preview screenshot: ${await screenshot(page, 'template-preview.png')}`);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(sent.params.Body).toBe(shown);
});
