import net from 'node:net';
import type { Browser } from 'playwright-core';
import { seriousAccessibilityViolations } from '../support/accessibility';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// "Text me when the clinic replies" in the web chat, in Debian's chromium on a phone-sized screen:
// the visitor fills the form as a patient would (a wrong number, then no tick, then both right),
// closes the chat, and the staff reply reaches the Twilio stand-in. Staff see the request in the
// patient panel.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;

/** A port nobody listens on now: the hub's PUBLIC_URL must be the address the browser uses. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  ensureWebPagesBuilt();
  const port = await freePort();
  t = await startTestHub({
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00',
    },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

test('a visitor asks to be texted, closes the chat, and the staff reply arrives by SMS', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/chat`);
  const text = `Can someone call me about my prescription? ${Date.now()}`;
  await page.getByLabel('Your message').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('list').getByText(text).waitFor(VISIBLE);

  await page.getByText('Text me when the clinic replies').click();
  const phoneInput = page.getByLabel('Mobile phone number');
  const status = page.locator('#texts-message');
  // A number libphonenumber refuses: said plainly.
  await phoneInput.fill('555 12');
  await page.getByRole('checkbox', { name: /I agree that the clinic may text this number/ }).check();
  await page.getByRole('button', { name: 'Text me' }).click();
  await page.getByText('That does not look like a phone number').waitFor(VISIBLE);
  // A right number without the tick: asked for the consent.
  const phone = randomUsPhone();
  await phoneInput.fill(`(415) 555-${phone.slice(-4)}`);
  await page.getByRole('checkbox', { name: /I agree that the clinic may text this number/ }).uncheck();
  await page.getByRole('button', { name: 'Text me' }).click();
  await page.getByText('Please tick the box to agree to be texted.').waitFor(VISIBLE);
  await page.getByRole('checkbox', { name: /I agree that the clinic may text this number/ }).check();
  await page.getByRole('button', { name: 'Text me' }).click();
  await page.getByText('Thank you. If you leave this page').waitFor(VISIBLE);
  expect(await status.textContent()).toContain('Reply STOP');
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  await screenshot(page, 'webchat-texts-390.png');
  expect(errors).toEqual([]);

  const api = await t.api();
  const conversationId = await eventually(async () => {
    const list = await api.get('/conversations?sort=activity&status=all').expect(200);
    return (list.body.conversations as { id: string; snippet: string | null }[]).find(
      (c) => c.snippet === text,
    )?.id;
  });

  // Staff see that the visitor asked to be texted, in the patient panel.
  const staff = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const inbox = await staff.newPage();
  await inbox.goto(`${t.hub.url}/inbox`);
  await signIn(inbox, ADMIN.email, ADMIN.password);
  await inbox
    .getByRole('list', { name: 'Conversations' })
    .getByRole('listitem')
    .filter({ hasText: text })
    .getByRole('button')
    .first()
    .click();
  const note = inbox.getByRole('note', { name: 'Text when we reply' });
  await note.waitFor(VISIBLE);
  expect(await note.textContent()).toContain(`Asked to be texted at`);
  expect(await note.textContent()).toContain(phone.slice(-4));
  await screenshot(inbox, 'webchat-texts-staff-panel.png');

  // The visitor leaves: the chat's socket goes with the page.
  await context.close();
  const webchat = t.hub.channels.get('webchat')!;
  const [visitor] = await api
    .get(`/conversations/${conversationId}`)
    .expect(200)
    .then((r) =>
      (r.body.conversation.contact.identities as { kind: string; address: string }[]).filter(
        (i) => i.kind === 'webchat',
      ),
    );
  await eventually(async () => !(await webchat.isPresent!(visitor!.address)));

  const before = t.twilio.messages.length;
  await api
    .post(`/conversations/${conversationId}/messages`, {
      body: 'Yes, we will call you at 3pm.',
      sensitivity: 'public',
    })
    .expect(202);
  await t.twilio.waitForMessages(before + 1, 20_000);
  const sms = t.twilio.messages.at(-1)!.params;
  expect(sms.To).toBe(phone);
  expect(sms.Body).toContain('Yes, we will call you at 3pm.');
  await staff.close();
});
