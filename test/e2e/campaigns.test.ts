import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createStaffUser } from '../../src/staff/staff-directory';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { importOptedInAudience } from '../support/opted-in-audience';
import { queryRows } from '../support/test-database';
import {
  ADMIN,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// The Campaigns tab in a real browser (Debian's chromium), on a phone-sized screen: import a CSV with
// a bad row, create a campaign, preview it, start it and watch it complete against the Twilio stand-in.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let api: StaffApi;
let browser: Browser;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: '20' } });
  api = await t.api();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function signedIn(email: string, password: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, email, password);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  return { page, errors };
}

const views = (page: Page) => page.getByRole('navigation', { name: 'Views' });

test('a manager imports a CSV, creates a campaign, previews and starts it, and sees it complete', async () => {
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email: 'manager@clinic.test',
    name: 'Mia Manager',
    role: 'manager',
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  });
  const { page, errors } = await signedIn('manager@clinic.test', 'a-long-enough-password');
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  // Beyond campaigns a manager works as an agent: no Supervisor or Admin tab.
  expect(
    await views(page)
      .getByRole('button', { name: /Supervisor|Admin/ })
      .count(),
  ).toBe(0);

  const tag = `ui${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  const phones = [randomUsPhone(), randomUsPhone(), randomUsPhone()];
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map((phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,en,${zone},${tag}`),
    `${tag}-bad,Bad Phone,12,1950-01-02,en,${zone},${tag}`,
  ].join('\n');
  const importer = page.getByRole('region', { name: 'Import contacts' });
  await importer
    .getByLabel('Contacts CSV')
    .setInputFiles({ name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await importer.getByRole('button', { name: 'Import' }).click();
  const result = importer.getByRole('status', { name: 'Import result' });
  await result.getByText(/Import completed: 4 rows, created 3, updated 0, rejected 1/).waitFor(VISIBLE);
  const report = await result.getByRole('link', { name: /error report/ }).getAttribute('href');
  const reportBody = await request(t.hub.url)
    .get(report!)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(200);
  expect(reportBody.text).toContain('invalid_phone');

  // Two of the three opt in to marketing texts; the third never did, so the policy skips it.
  const ids = await queryRows<{ id: string }>(
    t.database.url,
    'select id from contacts where tags @> $1::jsonb order by external_id',
    [JSON.stringify([tag])],
  );
  for (const { id } of ids.slice(0, 2)) {
    await api
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }

  const form = page.getByRole('region', { name: 'New campaign' });
  await form.getByLabel('Campaign name').fill(`Recall ${tag}`);
  await form.getByLabel('Template').selectOption('recall-outreach');
  await form.getByLabel('Tags (all of)').fill(tag);
  await form.getByLabel('Age from').fill('65');
  await form.getByLabel(/^link/).fill('https://book.clinic.test/recall');
  await form.getByRole('button', { name: 'Create draft' }).click();

  const campaign = page.getByRole('region', { name: `Campaign Recall ${tag}` });
  await campaign.getByText('draft', { exact: true }).waitFor(VISIBLE);
  await page
    .getByRole('region', { name: 'Campaigns list' })
    .getByRole('button', { name: `Recall ${tag}` })
    .waitFor(VISIBLE);

  await campaign.getByRole('button', { name: 'Preview' }).click();
  const preview = campaign.getByRole('region', { name: 'Preview' });
  await preview.getByText(/3 recipients\. By channel: sms 2\./).waitFor(VISIBLE);
  await preview.getByText('Skipped: marketing requires opt in 1').waitFor(VISIBLE);
  await preview.getByText(/it's time to schedule your next check-up/).waitFor(VISIBLE);
  await screenshot(page, 'campaigns-preview-phone.png');

  await campaign.getByRole('button', { name: 'Start' }).click();
  // The figures are pushed over the socket until the campaign completes.
  await campaign.getByText('completed', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
  const results = campaign.getByRole('region', { name: 'Results' });
  await results.getByText('Decided 3 of 3').waitFor(VISIBLE);
  // The list follows the campaign's state too.
  await page
    .getByRole('region', { name: 'Campaigns list' })
    .getByText(/^completed, recall-outreach, .*; sent 2 of 3, delivered \d, skipped 1$/)
    .waitFor(VISIBLE);
  await screenshot(page, 'campaigns-completed-phone.png');
  expect(await results.locator('dt:has-text("Sent") + dd').textContent()).toBe('2');
  const sentTo = t.twilio.messages.map((m) => String(m.params.To)).filter((to) => phones.includes(to));
  expect(sentTo.sort()).toEqual(phones.slice(0, 2).sort());

  const csvHref = await campaign.getByRole('link', { name: 'Recipients CSV' }).getAttribute('href');
  const recipients = await request(t.hub.url)
    .get(csvHref!)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(200);
  expect(recipients.text).toContain('marketing_requires_opt_in');

  // Nothing scrolls sideways on the phone.
  expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
  expect(errors).toEqual([]);
});

test('agents never see the Campaigns tab', async () => {
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email: 'agent@clinic.test',
    name: 'Avery Agent',
    role: 'agent',
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  });
  const { page } = await signedIn('agent@clinic.test', 'a-long-enough-password');
  await views(page).getByRole('button', { name: 'Inbox' }).waitFor(VISIBLE);
  expect(await views(page).getByRole('button', { name: 'Campaigns' }).count()).toBe(0);
  const admin = await signedIn(ADMIN.email, ADMIN.password);
  await views(admin.page).getByRole('button', { name: 'Campaigns' }).waitFor(VISIBLE);
});

test('a campaign scheduled for later waits as scheduled, and cancel stops it', async () => {
  const { page } = await signedIn(ADMIN.email, ADMIN.password);
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  const form = page.getByRole('region', { name: 'New campaign' });
  await form.getByLabel('Campaign name').fill('Later');
  await form.getByLabel('Template').selectOption('recall-outreach');
  await form.getByLabel(/^link/).fill('https://book.clinic.test/recall');
  // Two days ahead at 10:00 in the browser's zone (datetime-local is local time).
  const later = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await form.getByLabel(/^Send at/).fill(`${later}T10:00`);
  await form.getByLabel(/^In each patient's morning/).check();
  await form.getByRole('button', { name: 'Create draft' }).click();

  const campaign = page.getByRole('region', { name: 'Campaign Later' });
  await campaign.getByText(/Scheduled for/).waitFor(VISIBLE);
  await campaign.getByText(/In each patient's morning/).waitFor(VISIBLE);
  // A test to the admin's own number goes through the policy: her number never opted in to marketing.
  const test = campaign.getByRole('form', { name: 'Test send' });
  await test.getByLabel(/^Send a test to/).fill(randomUsPhone());
  await test.getByRole('button', { name: 'Send test' }).click();
  await test.getByRole('alert').getByText(/opt/i).waitFor(VISIBLE);
  await campaign.getByRole('button', { name: 'Start' }).click();
  await campaign.getByText('scheduled', { exact: true }).waitFor(VISIBLE);
  await campaign.getByRole('button', { name: 'Cancel' }).click();
  await campaign.getByText('cancelled', { exact: true }).waitFor(VISIBLE);
  expect(await campaign.getByRole('button', { name: /Start|Pause|Resume|Cancel/ }).count()).toBe(0);
  const { body } = await api.get('/campaigns').expect(200);
  const row = (
    body.campaigns as { name: string; status: string; scheduleAt: string; sendWindow: string | null }[]
  ).find((c) => c.name === 'Later');
  expect(row).toMatchObject({ status: 'cancelled', sendWindow: 'morning' });
  expect(new Date(row!.scheduleAt).getTime()).toBeGreaterThan(Date.now());
});

test("a draft is edited in the page: its name, time and pace; a pace above the clinic's is refused, saying why", async () => {
  await api
    .post('/campaigns', {
      name: 'Edit me',
      template: 'recall-outreach',
      audience: { filter: { tags: ['nobody-edit'] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const { page, errors } = await signedIn(ADMIN.email, ADMIN.password);
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  await page.getByRole('region', { name: 'Campaigns list' }).getByRole('button', { name: 'Edit me' }).click();
  const edit = page
    .getByRole('region', { name: 'Campaign Edit me' })
    .getByRole('form', { name: 'Edit draft' });
  // The clinic sends at most 20 a second per sender (CAMPAIGN_SEND_RATE): a campaign may not go faster.
  await edit.getByLabel(/^Messages per second/).fill('50');
  await edit.getByRole('button', { name: 'Save draft' }).click();
  await edit
    .getByRole('alert')
    .getByText(/above the clinic's 20/)
    .waitFor(VISIBLE);

  const later = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await edit.getByLabel('Campaign name').fill('Edited');
  await edit.getByLabel(/^Send at/).fill(`${later}T09:30`);
  await edit.getByLabel(/^Messages per second/).fill('2');
  await edit.getByRole('button', { name: 'Save draft' }).click();
  const campaign = page.getByRole('region', { name: 'Campaign Edited' });
  await campaign.getByText(/At most 2 messages a second per sender/).waitFor(VISIBLE);
  await campaign.getByText(/Scheduled for/).waitFor(VISIBLE);
  await campaign.getByRole('status').getByText('Draft saved').waitFor(VISIBLE);
  await page
    .getByRole('region', { name: 'Campaigns list' })
    .getByRole('button', { name: 'Edited' })
    .waitFor(VISIBLE);
  await screenshot(page, 'campaigns-edit-draft-phone.png');
  const { body } = await api.get('/campaigns').expect(200);
  const row = (body.campaigns as { name: string; sendRate: number | null; scheduleAt: string | null }[]).find(
    (c) => c.name === 'Edited',
  );
  expect(row).toMatchObject({ sendRate: 2 });
  expect(new Date(row!.scheduleAt!).getTime()).toBeGreaterThan(Date.now());
  expect(errors).toEqual([]);
});

test('the progress bar, chart and tables move as the campaign sends, without a reload', async () => {
  const tag = `live${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  const phones = Array.from({ length: 8 }, () => randomUsPhone());
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map(
      (phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,${i % 2 ? 'es' : 'en'},${zone},${tag}`,
    ),
  ].join('\n');
  await importOptedInAudience(t, api, csv, tag);
  await api
    .post('/campaigns', {
      name: `Live ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);

  const { page, errors } = await signedIn(ADMIN.email, ADMIN.password);
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  await page
    .getByRole('region', { name: 'Campaigns list' })
    .getByRole('button', { name: `Live ${tag}` })
    .click();
  const campaign = page.getByRole('region', { name: `Campaign Live ${tag}` });
  await campaign.getByText('draft', { exact: true }).waitFor(VISIBLE);
  // A reload would lose this mark (the page's own scripts never set it).
  await page.evaluate('window.notReloaded = true');
  // The carrier answers the eight sends over eight seconds, so the figures arrive in steps. Not
  // faster: progress waits four times as long as its last count took between pushes, and on a loaded
  // machine four seconds held only one step between none and all.
  t.twilio.enqueueReplies(
    ...phones.map((to, i) => ({ kind: 'accept' as const, to, delayMs: 1000 * (i + 1) })),
  );
  await campaign.getByRole('button', { name: 'Start' }).click();
  await campaign.locator('progress').waitFor(VISIBLE);
  // Every value the bar takes, as it changes.
  await page.evaluate(`(() => {
    const bar = document.querySelector('.campaign-progress progress');
    window.barValues = [bar.value];
    new MutationObserver(() => window.barValues.push(bar.value)).observe(bar, { attributes: true });
  })()`);
  // The chart is uPlot's canvas, there from the first send on: what it shows then, to compare.
  await campaign.locator('.campaign-chart .uplot canvas').waitFor(VISIBLE);
  await page.evaluate(`(() => {
    window.chartCanvas = document.querySelector('.campaign-chart .uplot canvas');
    window.chartFirst = window.chartCanvas.toDataURL();
  })()`);
  await campaign.getByText('completed', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
  const results = campaign.getByRole('region', { name: 'Results' });
  await results.getByText('Decided 8 of 8').waitFor(VISIBLE);
  const values = (await page.evaluate('window.barValues')) as number[];
  // It moved through values between none and all: pushed figures, not one read at the end.
  expect(new Set(values.filter((v) => v > 0 && v < 8)).size).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate('window.notReloaded')).toBe(true);
  await results
    .getByRole('img', { name: /^Sends and deliveries per minute: 8 sent, \d+ delivered$/ })
    .waitFor(VISIBLE);
  // The pushes redrew that same canvas (never a new chart, never a reload) with other figures.
  expect(
    await page.evaluate(
      'window.chartCanvas.isConnected && window.chartCanvas.toDataURL() !== window.chartFirst',
    ),
  ).toBe(true);
  // Its figures as text, per minute: they add up to the totals (no delivery receipts here).
  await results.getByText('The figures per minute').click();
  const perMinute = results.getByRole('table', { name: 'Sends and deliveries per minute' });
  const columns = async (n: number) =>
    (await perMinute.locator(`tbody td:nth-of-type(${n})`).allTextContents()).map(Number);
  expect((await columns(1)).reduce((a, b) => a + b, 0)).toBe(8);
  expect((await columns(2)).reduce((a, b) => a + b, 0)).toBe(0);
  const byChannel = results.getByRole('table', { name: 'By Channel' });
  expect(await byChannel.getByRole('row', { name: /^sms 8 8/ }).count()).toBe(1);
  const byLanguage = results.getByRole('table', { name: 'By Language' });
  expect(await byLanguage.getByRole('row', { name: /^en 4 4/ }).count()).toBe(1);
  expect(await byLanguage.getByRole('row', { name: /^es 4 4/ }).count()).toBe(1);
  expect(await byLanguage.getByRole('columnheader').allTextContents()).toEqual(
    expect.arrayContaining(['Link opened', 'Confirmed', 'Booked']),
  );
  expect(await results.locator('dt:has-text("Booked") + dd').textContent()).toBe('0');

  // A week later, so to speak: patient 0 (en) books an appointment; the figure moves without a reload.
  const [booker] = await queryRows<{ id: string }>(
    t.database.url,
    'select id from contacts where external_id = $1',
    [`${tag}-0`],
  );
  await api
    .post('/appointments', {
      contactId: booker!.id,
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      location: 'Riverside',
    })
    .expect(201);
  await results.locator('dt:has-text("Booked") + dd').filter({ hasText: /^1$/ }).waitFor(VISIBLE);
  // Language, recipients, sent, delivered, failed, replied, opted out, link opened, confirmed, booked.
  await byLanguage.getByRole('row', { name: /^en 4 4 \d+ 0 0 0 0 0 1$/ }).waitFor(VISIBLE);
  expect(await byLanguage.getByRole('row', { name: /^es 4 4 \d+ 0 0 0 0 0 0$/ }).count()).toBe(1);
  expect(await page.evaluate('window.notReloaded')).toBe(true);
  await byChannel.scrollIntoViewIfNeeded();
  await screenshot(page, 'campaigns-live-chart-phone.png');
  expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
  expect(errors).toEqual([]);
});

test('a filter counted live is saved as an audience, chosen for a campaign, and previewed', async () => {
  const tag = `aud${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    `${tag}-0,Old One,${randomUsPhone()},1950-01-02,en,${zone},${tag}`,
    `${tag}-1,Old Two,${randomUsPhone()},1951-01-02,en,${zone},${tag}`,
    `${tag}-2,Young,${randomUsPhone()},1995-01-02,en,${zone},${tag}`,
  ].join('\n');
  const { page, errors } = await signedIn(ADMIN.email, ADMIN.password);
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  const importer = page.getByRole('region', { name: 'Import contacts' });
  await importer
    .getByLabel('Contacts CSV')
    .setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await importer.getByLabel(/^Keep the rows as a list named/).fill(`List ${tag}`);
  await importer.getByRole('button', { name: 'Import' }).click();
  await importer.getByText(/Import completed: 3 rows, created 3/).waitFor(VISIBLE);

  const form = page.getByRole('region', { name: 'New campaign' });
  await form.getByLabel('Tags (all of)').fill(tag);
  const count = form.getByRole('status', { name: 'Audience count' });
  await count.getByText('3 contacts match these filters').waitFor(VISIBLE);
  await form.getByLabel('Age from').fill('65');
  await count.getByText('2 contacts match these filters').waitFor(VISIBLE);
  await form.getByLabel('Save these filters as').fill(`Seniors ${tag}`);
  await form.getByRole('button', { name: 'Save audience' }).click();
  // Saved and chosen: the filters give way to it.
  await count.getByText(`2 contacts in Seniors ${tag}`).waitFor(VISIBLE);
  expect(await form.getByLabel('Tags (all of)').isDisabled()).toBe(true);
  // The import's list is there to choose too.
  expect(await form.getByRole('option', { name: `List ${tag} (list, 3)` }).count()).toBe(1);

  await form.getByLabel('Campaign name').fill(`Saved ${tag}`);
  await form.getByLabel('Template').selectOption('recall-outreach');
  await form.getByLabel(/^link/).fill('https://book.clinic.test/recall');
  await form.getByRole('button', { name: 'Create draft' }).click();
  const campaign = page.getByRole('region', { name: `Campaign Saved ${tag}` });
  await campaign.getByRole('button', { name: 'Preview' }).click();
  await campaign
    .getByRole('region', { name: 'Preview' })
    .getByText(/^2 recipients\./)
    .waitFor(VISIBLE);
  expect(errors).toEqual([]);
});

test('the audience editor narrows the live count by reachable channel and attribute, and saves those filters', async () => {
  const tag = `nf${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  const csv = [
    'externalId,name,phone,email,timeZone,tags,plan',
    `${tag}-0,By Text,${randomUsPhone()},,${zone},${tag},gold`,
    `${tag}-1,Both,${randomUsPhone()},both-${tag}@example.test,${zone},${tag},silver`,
    `${tag}-2,By Email,,email-${tag}@example.test,${zone},${tag},gold`,
  ].join('\n');
  await importOptedInAudience(t, api, csv, tag);
  const { page, errors } = await signedIn(ADMIN.email, ADMIN.password);
  await views(page).getByRole('button', { name: 'Campaigns' }).click();
  const form = page.getByRole('region', { name: 'New campaign' });
  const count = form.getByRole('status', { name: 'Audience count' });
  await form.getByLabel('Tags (all of)').fill(tag);
  await count.getByText('3 contacts match these filters').waitFor(VISIBLE);
  await form.getByRole('group', { name: 'Reachable by (any of)' }).getByLabel('SMS').check();
  await count.getByText('2 contacts match these filters').waitFor(VISIBLE);
  await form.getByLabel('Attributes (all of)').fill('plan=gold');
  await count.getByText('1 contacts match these filters').waitFor(VISIBLE);
  // A zone the hub does not know: the count says why rather than showing a stale figure.
  await form.getByLabel('Time zones (any of)').fill('Mars/Olympus');
  await count.getByText(/time zone/i).waitFor(VISIBLE);
  await form.getByLabel('Time zones (any of)').fill(zone);
  await count.getByText('1 contacts match these filters').waitFor(VISIBLE);
  await form.getByLabel('Save these filters as').fill(`Gold by text ${tag}`);
  await form.getByRole('button', { name: 'Save audience' }).click();
  await count.getByText(`1 contacts in Gold by text ${tag}`).waitFor(VISIBLE);
  const saved = await api.get('/audiences').expect(200);
  const audience = saved.body.audiences.find((a: { name: string }) => a.name === `Gold by text ${tag}`);
  expect(audience.filter).toEqual({
    tags: [tag],
    timeZone: [zone],
    attributes: { plan: 'gold' },
    reachableBy: ['sms'],
  });
  expect(errors).toEqual([]);
});
