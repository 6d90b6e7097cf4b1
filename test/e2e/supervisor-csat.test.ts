import type { Browser } from 'playwright-core';
import { screenshot, signIn, watchPageErrors } from '../support/browser';
import { withBrowserAndHub } from '../support/browser-suite';
import { queryRows } from '../support/test-database';
import { ADMIN, eventually, randomUsPhone, type TestHub } from '../support/test-hub';

// An admin turns the rating question on in the Admin screen; a resolved conversation's "5" then shows
// in the supervisor view as the average and in the latest ratings, on a desktop and a phone.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;

withBrowserAndHub((suite) => {
  ({ t, browser } = suite);
});

test('a patient’s rating shows in the supervisor view: the average, the count by score, the latest', async () => {
  const admin = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const adminErrors = watchPageErrors(admin);
  await admin.goto(`${t.hub.url}/inbox`);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.getByRole('button', { name: 'Admin' }).click();
  const form = admin.getByRole('form', { name: 'Patient rating' });
  await form.waitFor(VISIBLE);
  await form.getByRole('checkbox').check();
  await form.getByRole('button', { name: 'Save rating question' }).click();
  await admin.getByText('Rating question saved').waitFor(VISIBLE);
  await screenshot(admin, 'admin-csat-setting.png');
  expect(adminErrors).toEqual([]);
  await admin.close();

  const api = await t.api();
  expect((await api.get('/settings').expect(200)).body.settings.csat).toEqual({
    enabled: true,
    windowHours: 24,
  });
  const phone = randomUsPhone();
  const body = `Do you have parking at the clinic? ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const conversationId = await eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1 and body = $2 and triage is not null',
      [phone, body],
    );
    return row?.conversation_id;
  });
  await api.post(`/conversations/${conversationId}/resolve`, {}).expect(200);
  await t.postInboundSms({ From: phone, Body: '5' }).expect(200);
  // The triage job records it (the webhook stores it as any reply).
  await eventually(async () => {
    const [row] = await queryRows<{ rating: number | null }>(
      t.database.url,
      'select rating from csat_surveys where conversation_id = $1',
      [conversationId],
    );
    return row?.rating ?? undefined;
  });

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${t.hub.url}/inbox`);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('button', { name: 'Supervisor' }).click();
    const ratings = page.getByRole('region', { name: 'Patient ratings' });
    await ratings.waitFor(VISIBLE);
    await ratings.getByText('5.0 of 5').waitFor(VISIBLE);
    expect(await ratings.textContent()).toContain('from 1 rating in the last 30 days (1 asked)');
    const counts = ratings.getByRole('list', { name: 'Ratings by score' });
    expect(await counts.getByRole('listitem').allTextContents()).toEqual([
      '5 of 5: 1',
      '4 of 5: 0',
      '3 of 5: 0',
      '2 of 5: 0',
      '1 of 5: 0',
    ]);
    const latest = ratings.getByRole('table', { name: 'Latest ratings' });
    const row = latest.getByRole('row').nth(1);
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      '5 of 5',
      expect.stringMatching(/^[A-Z][a-z]+( [a-z]+)*$/),
      'SMS',
      expect.any(String),
    ]);
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await screenshot(page, `supervisor-csat-${viewport.width}.png`);
    expect(errors).toEqual([]);
    await context.close();
  }
});
