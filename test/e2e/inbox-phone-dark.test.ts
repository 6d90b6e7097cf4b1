import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The inbox on a 390 px phone in dark mode: list, thread and composer as screens of their own with a
// way back, nothing wider than the screen, human names rather than ids, one time format, a favicon.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;
const HIDDEN = { state: 'hidden', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const sidewaysOverflow = async () =>
  (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;

test('list, thread and composer are separate screens on a phone, in dark mode, with human names', async () => {
  const errors = watchPageErrors(page);
  const phone = randomUsPhone();
  const question = `Can I move my appointment to Friday afternoon? ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: question }).expect(200);

  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);

  // Dark, because the system is: the page's own colours, not the browser's defaults.
  const background = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
  expect(background).toBe('rgb(18, 22, 28)');

  // Screen 1: the list. Queues and intents by name, never by id.
  const list = page.getByRole('list', { name: 'Conversations' });
  const row = list.getByRole('listitem').filter({ hasText: question });
  await row.waitFor(VISIBLE);
  const messages = page.getByRole('list', { name: 'Messages' });
  const triage = messages.getByRole('complementary', { name: 'Triage decision' });
  // Triage lands after the webhook answer; the row's queue is the triaged one by then.
  await eventually(async () => {
    const queueTag = (await row.locator('.queue-tag').textContent()) ?? '';
    return /^[A-Z][a-z]+( [a-z]+)*$/.test(queueTag) && queueTag !== 'Unassigned' ? queueTag : undefined;
  });
  expect(await row.locator('.queue-tag').textContent()).not.toMatch(/[-_]/);
  expect(await sidewaysOverflow()).toBe(0);
  await screenshot(page, 'phone-dark-list.png');

  // Screen 2: the thread, with the way back; the list is gone.
  await row.getByRole('button').first().click();
  await triage.waitFor(VISIBLE);
  await list.waitFor(HIDDEN);
  const back = page.getByRole('button', { name: '← Conversations' });
  await back.waitFor(VISIBLE);
  const intent = (await triage.locator('strong').textContent()) ?? '';
  expect(intent).toMatch(/^[A-Z]/);
  expect(intent).not.toMatch(/[-_]/);
  expect(await page.locator('.thread-header .queue-tag').textContent()).not.toMatch(/[-_]/);
  // Today's message shows its time; the same formatter writes a date for other days (format.ts).
  const time = messages.locator('time').first();
  expect(await time.getAttribute('title')).toMatch(/\d{4}/);
  // A routine conversation's urgency is said once (the toolbar's select), not again as badges in the
  // header and the triage note.
  expect(await page.getByRole('combobox', { name: 'Set urgency' }).inputValue()).toBe('routine');
  expect(await page.locator('.badge.urgency-routine').count()).toBe(0);
  expect(await sidewaysOverflow()).toBe(0);
  await screenshot(page, 'phone-dark-thread.png');

  // Screen 3: the composer, with its own way back to the thread.
  await page.getByRole('button', { name: 'Write a reply' }).click();
  const reply = page.getByRole('textbox', { name: 'Reply' });
  await reply.waitFor(VISIBLE);
  await messages.waitFor(HIDDEN);
  expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Reply');
  expect(await sidewaysOverflow()).toBe(0);
  await screenshot(page, 'phone-dark-composer.png');
  await page.getByRole('button', { name: '← Conversation', exact: true }).click();
  await messages.waitFor(VISIBLE);
  await reply.waitFor(HIDDEN);

  // Writing and sending from the composer screen lands back on the thread with the reply in it.
  await page.getByRole('button', { name: 'Write a reply' }).click();
  const text = `Please call us now on 555-0100 ${Date.now()}`;
  await reply.fill(text);
  await page.getByLabel('Sensitivity').selectOption('limited');
  await page.getByRole('button', { name: 'Send' }).click();
  await messages.getByText(text).waitFor(VISIBLE);
  await eventually(async () => t.twilio.messages.find((m) => String(m.params.Body).includes(text)));

  // And back to the list.
  await back.click();
  await row.waitFor(VISIBLE);
  expect(errors).toEqual([]);
});

test('the staff pages have a favicon, served under the same strict policy', async () => {
  for (const path of ['/inbox', '/sandbox']) {
    const html = await request(t.hub.url).get(path).expect(200);
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(html.text)?.[1];
    expect(href).toMatch(/^\/web\/assets\/favicon-[\w-]+\.svg$/);
    const icon = await request(t.hub.url).get(href!).expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  }
});
