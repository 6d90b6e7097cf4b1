import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { createStaffUser } from '../../src/staff/staff-directory';
import { QUEUE_NAMES } from '../../src/triage';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// A real browser against a real hub: generous, but every wait is for visible state, never a sleep.
jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

const NURSE = { email: 'nora@clinic.test', password: 'nurse-password-1234', name: 'Nora Nurse' };

let t: TestHub;
let browser: Browser;
let adminContext: BrowserContext;
let nurseContext: BrowserContext;
let admin: Page;
let nurse: Page;
let adminErrors: string[];

const conversationRows = (page: Page) =>
  page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
const messageItems = (page: Page) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');

async function openInbox(context: BrowserContext, email: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, email, password);
  // Connected to /inbox: from here on, events reach the page live.
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  return page;
}

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email: NURSE.email,
    name: NURSE.name,
    role: 'agent',
    password: NURSE.password,
    queues: [...QUEUE_NAMES],
  });
  browser = await launchChromium();
  adminContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  nurseContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  admin = await openInbox(adminContext, ADMIN.email, ADMIN.password);
  adminErrors = watchPageErrors(admin);
  nurse = await openInbox(nurseContext, NURSE.email, NURSE.password);
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

test('the pages are served with a strict Content-Security-Policy and no inline script', async () => {
  for (const path of ['/inbox', '/sandbox']) {
    const res = await request(t.hub.url).get(path).expect(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  }
});

test('an inbound SMS appears live; claim, reply with policy preview, delivery status, and a colleague sees it all', async () => {
  const phone = randomUsPhone();
  const question = 'Could you refill my lisinopril prescription please?';
  // Posted only now, with both pages open: it must arrive without a reload.
  await t.postInboundSms({ From: phone, Body: question }).expect(200);

  const adminRow = conversationRows(admin).filter({ hasText: question });
  await adminRow.waitFor(VISIBLE);
  const conversationId = await adminRow.getAttribute('data-conversation-id');
  expect(conversationId).toBeTruthy();
  const nurseRow: Locator = nurse.locator(`li[data-conversation-id="${conversationId}"]`);
  await nurseRow.waitFor(VISIBLE);

  await adminRow.getByRole('button').click();
  const inbound = messageItems(admin).filter({ hasText: question });
  await inbound.waitFor(VISIBLE);
  // Triage runs after the webhook is answered; its decision shows beside the message when it lands.
  await inbound.getByRole('complementary', { name: 'Triage decision' }).waitFor(VISIBLE);
  await admin.getByRole('complementary', { name: 'Patient' }).getByText(phone).waitFor(VISIBLE);

  // The colleague has the same conversation open.
  await nurseRow.getByRole('button').click();
  await messageItems(nurse).filter({ hasText: question }).waitFor(VISIBLE);

  await admin
    .getByRole('toolbar', { name: 'Conversation actions' })
    .getByRole('button', { name: 'Claim' })
    .click();
  await admin.getByText('Assigned to Administrator').waitFor(VISIBLE);
  // The claim reaches the other staff member live: in her list and in her open thread.
  await nurseRow.filter({ hasText: 'Administrator' }).waitFor(VISIBLE);
  await nurse.getByText('Assigned to Administrator').waitFor(VISIBLE);

  const reply = `Your refill is ready for pickup today ${Date.now()}.`;
  await admin.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await nurse.getByText('A colleague is typing…').waitFor(VISIBLE);
  const preview = admin.getByRole('status', { name: 'Policy preview' });
  // Free text counts as PHI: it would go behind a secure link.
  await preview.filter({ hasText: 'secure link' }).waitFor(VISIBLE);
  await admin.getByLabel('Sensitivity').selectOption('limited');
  await preview.filter({ hasText: 'will go by SMS' }).waitFor(VISIBLE);
  await admin.getByRole('button', { name: 'Send' }).click();

  const sent = messageItems(admin).filter({ hasText: reply });
  await sent.waitFor(VISIBLE);
  const twilioMessage = await eventually(async () =>
    t.twilio.messages.find((m) => String(m.params.Body ?? '').includes(reply)),
  );
  expect(twilioMessage.params.To).toBe(phone);
  await t.postStatus({ MessageSid: twilioMessage.sid, MessageStatus: 'delivered' }).expect(200);
  await sent
    .getByTitle('Delivery status')
    .filter({ hasText: /^delivered$/ })
    .waitFor(VISIBLE);
  await messageItems(nurse)
    .filter({ hasText: reply })
    .getByTitle('Delivery status')
    .filter({ hasText: /^delivered$/ })
    .waitFor(VISIBLE);

  const file = await screenshot(admin, 'inbox.png');
  console.log(`inbox screenshot: ${file}`);
  expect(adminErrors).toEqual([]);
});

test('patient text that looks like HTML is shown as text, never as markup', async () => {
  const phone = randomUsPhone();
  const body = `<img src=x onerror="document.title='pwned'"> hello <b>bold</b> ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: body }).expect(200);

  const row = conversationRows(admin).filter({ hasText: body });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').click();
  await messageItems(admin).filter({ hasText: body }).waitFor(VISIBLE);

  expect(await admin.locator('main img, [aria-label="Conversations"] img').count()).toBe(0);
  expect(await admin.locator('main b').count()).toBe(0);
  expect(await admin.title()).not.toBe('pwned');
  expect(adminErrors).toEqual([]);
});

test('the supervisor tab shows per-queue figures for today, refreshed live', async () => {
  await admin.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Supervisor' }).click();
  const view = admin.getByRole('region', { name: 'Supervisor view' });
  await view.getByRole('row', { name: /Refills/ }).waitFor(VISIBLE);
  const table = view.getByRole('table');
  const before = (await table.textContent()) ?? '';
  await t
    .postInboundSms({ From: randomUsPhone(), Body: 'What are your opening hours on Saturday?' })
    .expect(200);
  // A new inbound message changes the figures without a reload.
  await table.filter({ hasNotText: before }).waitFor(VISIBLE);
  console.log(`supervisor screenshot: ${await screenshot(admin, 'supervisor.png')}`);
  await admin.getByRole('button', { name: 'Inbox' }).click();
});
