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

// Issue 14 items 3, 5 and 9 in a real browser, at a desktop and at a phone size: the thread toolbar
// fits, the row previews the patient's own words, and an emergency is announced (notification, title).
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

// Records every Notification the page constructs; the real one is still built after the record.
const RECORD_NOTIFICATIONS = `
  window.__notifications = [];
  const RealNotification = window.Notification;
  window.Notification = class extends RealNotification {
    constructor(title, options) {
      window.__notifications.push({ title, body: options && options.body });
      super(title, options);
    }
  };
`;

interface RecordedNotification {
  title: string;
  body?: string;
}

/** What the test reads in the page (functions, not strings: the page's CSP forbids eval). */
interface PageGlobals {
  __notifications?: RecordedNotification[];
  document: { title: string; documentElement: { scrollWidth: number } };
  innerWidth: number;
}

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

async function openInbox(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  return page;
}

const openEmergencies = async () =>
  ((await api.get('/queues').expect(200)).body.queues as { emergencies: number }[]).reduce(
    (sum, q) => sum + q.emergencies,
    0,
  );

describe.each(VIEWPORTS)('at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const words = `crushing chest pain and my left arm is numb ${viewport.name}`;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
    await context.grantPermissions(['notifications'], { origin: t.hub.url });
    await context.addInitScript(RECORD_NOTIFICATIONS);
    page = await openInbox(context);
    errors = watchPageErrors(page);
  });

  afterAll(async () => {
    await context?.close();
  });

  test("an emergency: a desktop notification, a count in the tab title, and the row shows the patient's words", async () => {
    // Posted with the page open and live: the alert must come from the live event.
    await t.postInboundSms({ From: randomUsPhone(), Body: words }).expect(200);

    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageGlobals).__notifications ?? []).some((n) =>
          n.title.startsWith('Emergency in '),
        ),
      undefined,
      { timeout: 30_000 },
    );
    const notifications = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).__notifications ?? [],
    );
    const emergency = notifications.find((n) => n.title.startsWith('Emergency in '))!;
    // Shown on a locked screen too: never the patient's words.
    expect(JSON.stringify(emergency)).not.toContain('chest');

    const count = await eventually(async () => {
      const n = await openEmergencies();
      return n > 0 ? n : null;
    });
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.title.includes(`🚨${n}`),
      count,
      { timeout: 30_000 },
    );

    // The hub's safety reply goes out after the patient's message: the row still reads as hers.
    const row = page.locator('li[data-conversation-id]').filter({ hasText: words });
    await row.locator('.reply-mark', { hasText: 'Hub replied' }).waitFor(VISIBLE);
    expect(await row.getByTestId('patient-preview').textContent()).toBe(words);
    const conversationId = await row.getAttribute('data-conversation-id');
    const listed = (await api.get('/conversations?urgency=emergency').expect(200)).body.conversations.find(
      (c: { id: string }) => c.id === conversationId,
    );
    expect(listed.lastMessage.direction).toBe('outbound');
    expect(await row.textContent()).not.toContain(listed.lastMessage.body);
    await screenshot(page, `inbox-emergency-row-${viewport.name}.png`);
  });

  test('every control of the thread toolbar is visible inside the viewport and the thread pane', async () => {
    const row = page.locator('li[data-conversation-id]').filter({ hasText: words });
    await row.getByRole('button').click();
    const toolbar = page.getByRole('toolbar', { name: 'Conversation actions' });
    await toolbar.waitFor(VISIBLE);
    await toolbar.getByLabel('Transfer to queue').waitFor(VISIBLE);

    const pane = (await page.getByRole('main', { name: 'Conversation' }).boundingBox())!;
    const right = Math.min(pane.x + pane.width, viewport.width);
    const controls = toolbar.locator('button, select');
    const labels: string[] = [];
    for (const control of await controls.all()) {
      const label = (await control.getAttribute('aria-label')) ?? (await control.textContent()) ?? '';
      labels.push(label.trim());
      expect(await control.isVisible()).toBe(true);
      const box = (await control.boundingBox())!;
      const where = `${label}: ${JSON.stringify(box)} in pane ${JSON.stringify(pane)}`;
      expect([where, box.x >= pane.x - 0.5]).toEqual([where, true]);
      expect([where, box.x + box.width <= right + 0.5]).toEqual([where, true]);
      expect([where, box.y >= 0 && box.y + box.height <= viewport.height]).toEqual([where, true]);
    }
    expect(labels).toEqual(
      expect.arrayContaining([
        'Assign to',
        'Resolve',
        'Set priority',
        'Set urgency',
        'Snooze',
        'Transfer to queue',
      ]),
    );
    // The patient panel sits beside (desktop) or below (phone) the pane, never over the toolbar.
    const panel = (await page.getByRole('complementary', { name: 'Patient' }).boundingBox())!;
    const toolbarBox = (await toolbar.boundingBox())!;
    const overlaps =
      panel.x < toolbarBox.x + toolbarBox.width &&
      panel.x + panel.width > toolbarBox.x &&
      panel.y < toolbarBox.y + toolbarBox.height &&
      panel.y + panel.height > toolbarBox.y;
    expect(overlaps).toBe(false);
    // No sideways scrolling of the page.
    expect(
      await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return g.document.documentElement.scrollWidth <= g.innerWidth;
      }),
    ).toBe(true);
    await screenshot(page, `inbox-toolbar-${viewport.name}.png`);
  });

  test('the alert preferences hold: no emergency count in the title once it is turned off, after a reload too', async () => {
    await page.locator('summary', { hasText: 'Alerts' }).click();
    const emergencies = page.getByRole('group', { name: 'Emergencies' });
    await emergencies.getByLabel('Count in the tab title').uncheck();
    await page.waitForFunction(
      () => !(globalThis as unknown as PageGlobals).document.title.includes('🚨'),
      undefined,
      { timeout: 30_000 },
    );
    // Something unread, so the title has a count of its own to show.
    await t.postInboundSms({ From: randomUsPhone(), Body: 'Is the clinic open on Saturday?' }).expect(200);
    await page.reload();
    await page
      .getByRole('status', { name: 'Connection' })
      .filter({ hasText: /^live$/ })
      .waitFor(VISIBLE);
    // The unread count still shows, so the title has been computed from the queues.
    await page.waitForFunction(
      () => /^\(\d+\) CareLine inbox$/.test((globalThis as unknown as PageGlobals).document.title),
      undefined,
      { timeout: 30_000 },
    );
    expect(errors).toEqual([]);
  });
});
