import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { queryRows } from '../support/test-database';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The admin screen (settings, staff, queues) and the triage override on the thread, in a real browser.
jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const adminTab = () => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Admin' });
const inboxTab = () => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Inbox' });

test('an admin changes the HELP reply on the admin screen; the next patient texting HELP gets it', async () => {
  const settingsReads: string[] = [];
  const countSettingsRead = (r: import('playwright-core').Request) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/settings') settingsReads.push(r.url());
  };
  page.on('request', countSettingsRead);
  await adminTab().click();
  const settings = page.getByRole('region', { name: 'Clinic settings' });
  await settings.getByLabel('Time zone').waitFor(VISIBLE);
  // Every settings section is filled, from one read of the settings.
  await page.getByRole('form', { name: 'Message acknowledgement' }).waitFor(VISIBLE);
  await page.getByRole('form', { name: 'Web chat appearance' }).waitFor(VISIBLE);
  page.off('request', countSettingsRead);
  expect(settingsReads).toHaveLength(1);
  const helpText = `Riverside Clinic: call 555-0100, weekdays 8-6. STOP to opt out. ${Date.now()}`;
  await settings.getByLabel('HELP reply').fill(helpText);
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings.getByText('Settings saved').waitFor(VISIBLE);
  await settings.getByText(`Patients texting HELP now get: ${helpText}`).waitFor(VISIBLE);

  // An unknown time zone is refused with the hub's reason, and nothing is changed.
  await settings.getByLabel('Time zone').fill('Atlantis/Capital');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings.getByRole('alert').filter({ hasText: 'IANA time zone' }).waitFor(VISIBLE);

  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'HELP' }).expect(200);
  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(sent.params.Body).toBe(helpText);
  const [org] = await queryRows<{ time_zone: string }>(t.database.url, 'select time_zone from organizations');
  expect(org!.time_zone).toBe(t.hub.org.timeZone);
  await screenshot(page, 'inbox-admin.png');
});

test('an admin creates an agent with a queue, then disables her account', async () => {
  await adminTab().click();
  const staff = page.getByRole('region', { name: 'Staff' });
  const form = staff.getByRole('form', { name: 'New staff member' });
  await form.getByLabel('Name').fill('Rita Refills');
  await form.getByLabel('Email').fill('rita@clinic.test');
  await form.getByLabel('Initial password').fill('rita-long-password');
  await form.getByRole('group', { name: 'Queues of the new staff member' }).getByLabel('Refills').check();
  await form.getByRole('button', { name: 'Create staff member' }).click();
  const row = staff.locator('tr[data-staff-email="rita@clinic.test"]');
  await row.waitFor(VISIBLE);
  expect(
    await row.getByRole('group', { name: 'Queues of Rita Refills' }).getByLabel('Refills').isChecked(),
  ).toBe(true);
  const login = () =>
    request(t.hub.url)
      .post('/api/v1/auth/login')
      .send({ email: 'rita@clinic.test', password: 'rita-long-password' });
  const session = await login().expect(200);
  expect(session.body.staff).toMatchObject({ role: 'agent', queues: ['refills'] });

  await row.getByRole('button', { name: 'Disable Rita Refills' }).click();
  await row.getByRole('button', { name: 'Enable Rita Refills' }).waitFor(VISIBLE);
  await login().expect(401);
  await request(t.hub.url)
    .get('/api/v1/conversations')
    .set('Authorization', `Bearer ${session.body.token}`)
    .expect(401);
});

test('staff override triage from the thread: the conversation moves queue and urgency', async () => {
  await inboxTab().click();
  const phone = randomUsPhone();
  const text = `Question about the letter you sent me ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: text }).expect(200);
  const row = page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('listitem')
    .filter({ hasText: text });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').click();
  const inbound = page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: text });
  const decision = inbound.getByRole('complementary', { name: 'Triage decision' });
  await decision.waitFor(VISIBLE);
  await decision.getByRole('button', { name: 'Override triage' }).click();
  const form = decision.getByRole('form', { name: 'Override triage' });
  await form.getByLabel('Override intent').selectOption('billing');
  await form.getByLabel('Override queue').selectOption('billing');
  await form.getByLabel('Override urgency').selectOption('urgent');
  await form.getByRole('button', { name: 'Save override' }).click();

  await decision.getByText('overridden by staff').waitFor(VISIBLE);
  const header = page.locator('.thread-header');
  await header
    .locator('.queue-tag')
    .filter({ hasText: /^Billing$/ })
    .waitFor(VISIBLE);
  await header
    .locator('.badge')
    .filter({ hasText: /^urgent$/ })
    .waitFor(VISIBLE);
  const [conversation] = await queryRows<{ queue: string; urgency: string }>(
    t.database.url,
    "select c.queue, c.urgency from conversations c join messages m on m.conversation_id = c.id where m.from_address = $1 and m.direction = 'inbound'",
    [phone],
  );
  expect(conversation).toEqual({ queue: 'billing', urgency: 'urgent' });
  expect(errors).toEqual([]);
});
