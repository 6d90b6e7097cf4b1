import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { createStaffUser } from '../../src/staff/staff-directory';
import { QUEUE_NAMES } from '../../src/triage';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// A real browser against a real hub: generous, but every wait is for visible state, never a sleep.
jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

const EMAIL_SECRET = 'e2e-email-webhook-secret-0123456789';
const RELAY = 'mx.clinic.test';

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
  t = await startTestHub({
    // Email by webhook behind a relay whose Authentication-Results the hub reads (for the
    // unverified-sender test).
    env: { EMAIL_INBOUND_SECRET: EMAIL_SECRET, EMAIL_WEBHOOK_AUTHSERV_ID: RELAY },
  });
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
  // A new patient has no name yet: the row names her by her phone, grouped as people write it.
  const grouped = `+1 ${phone.slice(2, 5)} ${phone.slice(5, 8)} ${phone.slice(8)}`;
  expect(await adminRow.locator('.contact-name').textContent()).toBe(grouped);
  const nurseRow: Locator = nurse.locator(`li[data-conversation-id="${conversationId}"]`);
  await nurseRow.waitFor(VISIBLE);

  await adminRow.getByRole('button').click();
  const inbound = messageItems(admin).filter({ hasText: question });
  await inbound.waitFor(VISIBLE);
  // Triage runs after the webhook is answered; its decision shows beside the message when it lands.
  await inbound.getByRole('complementary', { name: 'Triage decision' }).waitFor(VISIBLE);
  await admin.getByRole('complementary', { name: 'Patient' }).getByText(`phone: ${grouped}`).waitFor(VISIBLE);

  // The colleague has the same conversation open.
  await nurseRow.getByRole('button').click();
  await messageItems(nurse).filter({ hasText: question }).waitFor(VISIBLE);

  await admin
    .getByRole('toolbar', { name: 'Conversation actions' })
    .getByRole('button', { name: 'Assign to me' })
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

test('a reply Twilio refuses for good shows "Not sent" with its reason and counts on its queue; Retry sends it once more, live', async () => {
  const phone = randomUsPhone();
  const question = `Can I come in on Thursday instead? ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: question }).expect(200);
  const row = conversationRows(admin).filter({ hasText: question });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').click();
  await messageItems(admin).filter({ hasText: question }).waitFor(VISIBLE);
  const writes: { path: string; key: string | undefined }[] = [];
  admin.on('request', (req) => {
    if (req.method() === 'POST' && /\/(messages|retry)$/.test(new URL(req.url()).pathname)) {
      writes.push({ path: new URL(req.url()).pathname, key: req.headers()['idempotency-key'] });
    }
  });

  // Twilio refuses this number for good: not a mobile number.
  t.twilio.enqueueReplies({
    to: phone,
    kind: 'error',
    status: 400,
    code: 21614,
    message: "'To' number is not a valid mobile number",
  });
  const reply = `Thursday at 10 works, see you then ${Date.now()}.`;
  await admin.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await admin.getByLabel('Sensitivity').selectOption('limited');
  await admin
    .getByRole('status', { name: 'Policy preview' })
    .filter({ hasText: 'will go by SMS' })
    .waitFor(VISIBLE);
  await admin.getByRole('button', { name: 'Send' }).click();

  const failed = messageItems(admin).filter({ hasText: reply }).filter({ hasText: 'Not sent.' });
  await failed.getByText('The number cannot receive texts (it is not a mobile number).').waitFor(VISIBLE);
  const queues = admin.getByRole('navigation', { name: 'Queues' });
  await queues.getByRole('img', { name: '1 failed sends' }).waitFor(VISIBLE);
  console.log(`failed send screenshot: ${await screenshot(admin, 'send-failure.png')}`);

  await failed.getByRole('button', { name: 'Retry' }).click();
  await failed.getByText('Sent again').waitFor(VISIBLE);
  await messageItems(admin)
    .filter({ hasText: reply })
    .getByTitle('Delivery status')
    .filter({ hasText: /^queued$/ })
    .waitFor(VISIBLE);
  await queues.getByRole('img', { name: '1 failed sends' }).waitFor({ state: 'detached', timeout: 20_000 });
  const copies = await eventually(async () => {
    const sent = t.twilio.messages.filter((m) => m.params.To === phone && m.params.Body === reply);
    return sent.length > 0 ? sent : null;
  });
  expect(copies).toHaveLength(1);
  // The page sent its own Idempotency-Key with each write: one for the reply, one for the retry.
  expect(writes.map((w) => w.path)).toEqual([
    expect.stringMatching(/\/conversations\/[^/]+\/messages$/),
    expect.stringMatching(/\/messages\/[^/]+\/retry$/),
  ]);
  for (const write of writes) expect(write.key).toMatch(/^[0-9a-f]{32}$/);
  expect(writes[0]!.key).not.toBe(writes[1]!.key);
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

test('an email whose sender the relay could not authenticate is marked "Unverified sender"; an authenticated one is not', async () => {
  const post = (from: string, body: string, authenticationResults: string | null) =>
    request(t.hub.url)
      .post('/webhooks/email/inbound')
      .set('Content-Type', 'message/rfc822')
      .set('X-CareLine-Email-Secret', EMAIL_SECRET)
      .send(
        [
          ...(authenticationResults ? [`Authentication-Results: ${authenticationResults}`] : []),
          `From: ${from}`,
          'To: desk@clinic.test',
          `Message-ID: <${Date.now()}.${Math.random()}@patients.example>`,
          'Subject: Results',
          '',
          body,
          '',
        ].join('\r\n'),
      )
      .expect(200);
  const stamp = Date.now();
  const forged = `Mail my lab results to this new address ${stamp}`;
  const genuine = `Thanks for the reminder ${stamp}`;
  await post(
    `ana.${stamp}@patients.example`,
    forged,
    `${RELAY}; spf=fail; dmarc=fail header.from=patients.example`,
  );
  await post(
    `ben.${stamp}@patients.example`,
    genuine,
    `${RELAY}; dkim=pass header.d=patients.example; dmarc=pass`,
  );

  const forgedRow = conversationRows(admin).filter({ hasText: forged });
  await forgedRow.waitFor(VISIBLE);
  await forgedRow.getByRole('button').click();
  const forgedMessage = messageItems(admin).filter({ hasText: forged });
  await forgedMessage.waitFor(VISIBLE);
  await forgedMessage.getByText('Unverified sender').waitFor(VISIBLE);

  const genuineRow = conversationRows(admin).filter({ hasText: genuine });
  await genuineRow.waitFor(VISIBLE);
  await genuineRow.getByRole('button').click();
  const genuineMessage = messageItems(admin).filter({ hasText: genuine });
  await genuineMessage.waitFor(VISIBLE);
  expect(await genuineMessage.getByText('Unverified sender').count()).toBe(0);
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

const toolbar = (page: Page) => page.getByRole('toolbar', { name: 'Conversation actions' });

/** Posts an inbound SMS and waits until triage has decided on it (its queue and order are then settled). */
async function inboundTriaged(body: string, phone = randomUsPhone()): Promise<string> {
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  const api = await t.api();
  return eventually(async () => {
    const list = await api.get(
      `/conversations?sort=activity&q=${encodeURIComponent(body.split(' ').at(-1)!)}`,
    );
    const found = (list.body.conversations as { id: string; snippet: string | null }[]).find(
      (c) => c.snippet === body,
    );
    if (!found) return undefined;
    const detail = await api.get(`/conversations/${found.id}`);
    const messages = detail.body.conversation.messages as { body: string; triage: unknown }[];
    return messages.find((m) => m.body === body)?.triage ? found.id : undefined;
  });
}

async function reloadInbox(page: Page): Promise<void> {
  await page.reload();
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
}

async function openConversation(page: Page, conversationId: string): Promise<void> {
  const row = page.locator(`li[data-conversation-id="${conversationId}"]`);
  await row.waitFor(VISIBLE);
  await row.getByRole('button').click();
  await page.locator(`li[data-conversation-id="${conversationId}"] [aria-current="true"]`).waitFor(VISIBLE);
  await toolbar(page).waitFor(VISIBLE);
}

test('keyboard: j and k move the selection, c claims, e resolves', async () => {
  const token = `kbd${Date.now()}`;
  await inboundTriaged(`Where do I park for the physio visit ${token}`);
  await inboundTriaged(`Is the clinic open on Sunday morning ${token}`);
  const search = admin.getByRole('searchbox', { name: 'Search conversations' });
  await search.fill(token);
  const rows = conversationRows(admin);
  // Only the two of them are listed.
  await rows.nth(2).waitFor({ state: 'detached', timeout: 20_000 });
  await rows.filter({ hasText: 'physio' }).waitFor(VISIBLE);
  await rows.filter({ hasText: 'Sunday' }).waitFor(VISIBLE);
  await search.blur();
  const current = (n: number) => rows.nth(n).locator('[aria-current="true"]');

  await admin.keyboard.press('j');
  await current(0).waitFor(VISIBLE);
  await admin.keyboard.press('j');
  await current(1).waitFor(VISIBLE);
  await admin.keyboard.press('k');
  await current(0).waitFor(VISIBLE);
  const header = admin.getByRole('main', { name: 'Conversation' }).locator('.thread-header');
  await header.getByText('Unassigned').waitFor(VISIBLE);

  await admin.keyboard.press('c');
  await header.getByText('Assigned to Administrator').waitFor(VISIBLE);
  await admin.keyboard.press('e');
  await header
    .locator('.status-tag')
    .filter({ hasText: /^resolved$/ })
    .waitFor(VISIBLE);
  // Resolved work leaves the default (open and pending) list.
  await rows.nth(1).waitFor({ state: 'detached', timeout: 20_000 });

  await search.fill('');
  await rows.nth(2).waitFor(VISIBLE);
  expect(adminErrors).toEqual([]);
});

test('an internal note shows to staff and is never sent to the patient', async () => {
  const phone = randomUsPhone();
  const conversationId = await inboundTriaged(`Can I bring my own crutches note${Date.now()}`, phone);
  await openConversation(admin, conversationId);
  const note = `Patient prefers mornings, call before 10 ${Date.now()}`;
  const notes = admin.getByRole('region', { name: 'Internal notes' });
  await notes.getByRole('textbox', { name: 'New internal note' }).fill(note);
  await notes.getByRole('button', { name: 'Add note' }).click();
  await notes.getByText(note).waitFor(VISIBLE);
  await reloadInbox(nurse);
  await openConversation(nurse, conversationId);
  await nurse.getByRole('region', { name: 'Internal notes' }).getByText(note).waitFor(VISIBLE);

  // A reply sent after the note reaches the stand-in; the note never does, nor shows as a message.
  const reply = `Yes, crutches are fine ${Date.now()}`;
  await admin.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await admin.getByLabel('Sensitivity').selectOption('limited');
  await admin
    .getByRole('status', { name: 'Policy preview' })
    .filter({ hasText: 'will go by SMS' })
    .waitFor(VISIBLE);
  await admin.getByRole('button', { name: 'Send' }).click();
  await eventually(async () => t.twilio.messages.find((m) => String(m.params.Body ?? '').includes(reply)));
  expect(t.twilio.messages.filter((m) => String(m.params.Body ?? '').includes('call before 10'))).toEqual([]);
  expect(t.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
  expect(await messageItems(admin).filter({ hasText: note }).count()).toBe(0);
  expect(adminErrors).toEqual([]);
});

test('a template: pick it, fill its variables, see the policy preview, and send it', async () => {
  const phone = randomUsPhone();
  const conversationId = await inboundTriaged(`When is my next appointment again tmpl${Date.now()}`, phone);
  await openConversation(admin, conversationId);
  await admin.getByLabel('Template').selectOption({ label: 'Appointment reminder' });
  const variables = admin.getByRole('group', { name: 'Variables' });
  const preview = admin.getByRole('status', { name: 'Policy preview' });
  const send = admin.getByRole('button', { name: 'Send' });
  // Variables are named in words.
  await variables.getByLabel('Clinic name').fill('Riverside Clinic');
  await variables.getByLabel('Appointment time').fill('2031-05-06T09:30');
  // A required variable is still empty: the preview says so and Send stays off.
  await preview.filter({ hasText: /location/i }).waitFor(VISIBLE);
  expect(await send.isDisabled()).toBe(true);
  await variables.getByLabel('Location').fill('Main Street site');
  await preview.filter({ hasText: 'will go by SMS' }).waitFor(VISIBLE);
  await send.click();

  const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  expect(String(sent.params.Body)).toContain('Main Street site');
  await messageItems(admin).filter({ hasText: 'template appointment-reminder' }).waitFor(VISIBLE);
  expect(adminErrors).toEqual([]);
});

test('a supervisor assigns to a named colleague, who sees it live; agents only take or release', async () => {
  const conversationId = await inboundTriaged(`Question about my refill pickup assign${Date.now()}`);
  await reloadInbox(nurse);
  await openConversation(nurse, conversationId);
  await openConversation(admin, conversationId);
  // The agent has no list of colleagues: only "Assign to me".
  expect(await toolbar(nurse).getByRole('combobox', { name: 'Assign to' }).count()).toBe(0);
  await toolbar(nurse).getByRole('button', { name: 'Assign to me' }).waitFor(VISIBLE);

  await toolbar(admin).getByRole('combobox', { name: 'Assign to' }).selectOption({ label: NURSE.name });
  await admin.getByText(`Assigned to ${NURSE.name}`).waitFor(VISIBLE);
  // Live, without a reload: her thread, her list row, and the Release action that is now hers.
  await nurse.getByText(`Assigned to ${NURSE.name}`).waitFor(VISIBLE);
  await nurse
    .locator(`li[data-conversation-id="${conversationId}"]`)
    .filter({ hasText: NURSE.name })
    .waitFor(VISIBLE);
  await toolbar(nurse).getByRole('button', { name: 'Release' }).click();
  await admin.locator('.thread-header').getByText('Unassigned', { exact: true }).waitFor(VISIBLE);

  // Priority and urgency: the supervisor raises it; the colleague's list shows it live.
  await toolbar(admin).getByRole('combobox', { name: 'Set urgency' }).selectOption('urgent');
  await admin
    .locator('.thread-header .badge')
    .filter({ hasText: /^urgent$/ })
    .waitFor(VISIBLE);
  expect(await toolbar(admin).getByRole('combobox', { name: 'Set priority' }).inputValue()).toBe('2');
  await nurse
    .locator(`li[data-conversation-id="${conversationId}"] .badge`)
    .filter({ hasText: /^urgent$/ })
    .waitFor(VISIBLE);
  expect(adminErrors).toEqual([]);
});

test('unread counts per queue change live, and drop when the conversation is opened', async () => {
  const allUnread = (name: string | RegExp) =>
    nurse
      .getByRole('navigation', { name: 'Queues' })
      .getByRole('button', { name: /All queues/ })
      .getByRole('img', { name });
  await allUnread(/unread$/).waitFor(VISIBLE);
  const before = Number((await allUnread(/unread$/).getAttribute('aria-label'))?.split(' ')[0]);
  const conversationId = await inboundTriaged(`Do you take new patients unread${Date.now()}`);
  // Without a reload: the new conversation counts as unread for her.
  await allUnread(`${before + 1} unread`).waitFor(VISIBLE);
  await openConversation(nurse, conversationId);
  await allUnread(`${before} unread`).waitFor(VISIBLE);
});
