import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import {
  ADMIN,
  eventually,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Issue 14 item 8 in a real browser, at a desktop and at a phone size: a supervisor creates a label
// in the page, labels a selection, filters by it, and resolves the selection in one action.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let t: TestHub;
let api: StaffApi;
let browser: Browser;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  api = await t.api();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe.each(VIEWPORTS)('at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
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
  });

  test('label a selection, filter by the label, resolve the selection', async () => {
    const errors = watchPageErrors(page);
    const words = [
      `Can I bring my dog to the ${viewport.name} visit?`,
      `Where do I park for the ${viewport.name} visit?`,
    ];
    for (const body of words) await t.postInboundSms({ From: randomUsPhone(), Body: body }).expect(200);
    const rows = words.map((w) => page.locator('li[data-conversation-id]').filter({ hasText: w }));
    for (const row of rows) await row.waitFor(VISIBLE);

    const labelName = `Visit logistics ${viewport.name}`;
    await page.locator('summary', { hasText: 'Manage labels' }).click();
    await page.getByLabel('New label name').fill(labelName);
    await page.getByLabel('New label colour').selectOption('green');
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.locator('.label-manager .label-chip', { hasText: labelName }).waitFor(VISIBLE);
    await page.locator('summary', { hasText: 'Manage labels' }).click();

    for (const row of rows) await row.getByRole('checkbox').check();
    const bulk = page.getByRole('toolbar', { name: 'Bulk actions' });
    await bulk.getByText('2 selected').waitFor(VISIBLE);
    await bulk.getByLabel('Label selected').selectOption({ label: labelName });
    for (const row of rows) await row.locator('.label-chip', { hasText: labelName }).waitFor(VISIBLE);

    await page.getByLabel('Label', { exact: true }).selectOption({ label: labelName });
    await eventually(async () => (await page.locator('li[data-conversation-id]').count()) === 2, 30_000);
    for (const row of rows) await row.waitFor(VISIBLE);
    const ids = await Promise.all(rows.map((r) => r.getAttribute('data-conversation-id')));

    for (const row of rows) await row.getByRole('checkbox').check();
    await bulk.getByRole('button', { name: 'Resolve selected' }).click();
    await page.getByRole('status').filter({ hasText: 'Done for 2 conversations.' }).waitFor(VISIBLE);
    // Open and pending only (the default): resolved conversations leave the list.
    await eventually(async () => (await page.locator('li[data-conversation-id]').count()) === 0, 30_000);
    for (const id of ids) {
      const detail = await api.get(`/conversations/${id}`).expect(200);
      expect(detail.body.conversation.status).toBe('resolved');
    }
    await screenshot(page, `inbox-labels-${viewport.name}.png`);
    expect(errors).toEqual([]);
  });

  test('a supervisor saves a canned response in the page; `/` and its shortcut insert it in the reply', async () => {
    const shortcut = `parking-${viewport.name}`;
    const text = `Parking is free in the garage on Elm Street (${viewport.name}).`;
    await page.locator('summary', { hasText: 'Manage canned responses' }).click();
    await page.getByLabel('Shortcut').fill(shortcut);
    await page.getByLabel('Canned text').fill(text);
    await page.getByRole('button', { name: 'Save canned response' }).click();
    await page.locator('.label-manager li', { hasText: `/${shortcut}` }).waitFor(VISIBLE);
    await page.locator('summary', { hasText: 'Manage canned responses' }).click();

    // The previous test left the list filtered by its label.
    await page.getByLabel('Label', { exact: true }).selectOption('');
    const question = `Is there parking near the clinic? ${viewport.name}`;
    await t.postInboundSms({ From: randomUsPhone(), Body: question }).expect(200);
    const row = page.locator('li[data-conversation-id]').filter({ hasText: question });
    await row.waitFor(VISIBLE);
    await row.getByRole('button').click();
    // On a phone the composer is a screen of its own, behind "Write a reply".
    if (viewport.width < 800) await page.getByRole('button', { name: 'Write a reply' }).click();
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.waitFor(VISIBLE);
    await reply.pressSequentially(`/${shortcut}`);
    const offered = page.getByRole('list', { name: 'Canned responses' });
    await offered.getByText(`/${shortcut}`).waitFor(VISIBLE);
    await reply.press('Enter');
    await page.waitForFunction(
      (expected) =>
        (
          globalThis as unknown as { document: { querySelector: (s: string) => { value: string } | null } }
        ).document.querySelector('textarea[aria-label="Reply"]')?.value === expected,
      text,
      { timeout: 30_000 },
    );
    await screenshot(page, `inbox-canned-${viewport.name}.png`);
  });
});
