import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signIn, watchPageErrors } from '../support/browser';
import { withBrowserAndHub } from '../support/browser-suite';
import { queryRows } from '../support/test-database';
import { ADMIN, eventually, randomUsPhone, type TestHub } from '../support/test-hub';

// A page that loses its connection before it has received any event, misses an SMS while it is
// away, and shows it once it is back: it resumes from the server's high-water event id and refetches.
jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const connection = (p: Page, text: RegExp) =>
  p.getByRole('status', { name: 'Connection' }).filter({ hasText: text });

withBrowserAndHub((suite) => {
  ({ t, browser } = suite);
});

test('disconnected before any event, an SMS posted meanwhile appears after the reconnect', async () => {
  // Events exist from before the page was opened: the page never receives one of them.
  const earlier = randomUsPhone();
  await t.postInboundSms({ From: earlier, Body: 'an older message from before the page opened' }).expect(200);
  await eventually(async () => {
    const rows = await queryRows(t.database.url, 'select 1 from hub_events');
    return rows.length > 0;
  });

  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await connection(page, /^live$/).waitFor(VISIBLE);
  const rows = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
  await rows.filter({ hasText: 'an older message' }).waitFor(VISIBLE);

  // The network goes away: the open socket is cut and reconnect attempts fail until it is back.
  await context.setOffline(true);
  for (const socket of t.hub.io.of('/inbox').sockets.values()) socket.conn.close();
  await connection(page, /connecting/).waitFor(VISIBLE);

  const phone = randomUsPhone();
  const text = `Missed while offline ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: text }).expect(200);
  // Stored and triaged (so no later event could bring it to the page by chance).
  await eventually(async () => {
    const [row] = await queryRows<{ triage: unknown }>(
      t.database.url,
      "select triage from messages where from_address = $1 and direction = 'inbound'",
      [phone],
    );
    return row?.triage;
  });
  await page.waitForTimeout(500);
  // Still away: the message could not have reached the page live.
  expect(await connection(page, /connecting/).count()).toBe(1);
  expect(await rows.filter({ hasText: text }).count()).toBe(0);

  await context.setOffline(false);
  await connection(page, /^live$/).waitFor(VISIBLE);
  await rows.filter({ hasText: text }).waitFor(VISIBLE);
  expect(errors).toEqual([]);
});
