import http from 'node:http';
import net from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, watchPageErrors } from '../support/browser';
import { eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The patient's side in a real browser: the secure link, its reply and its chat handoff, and the
// web chat. Forms are filled and submitted as a patient would; no header is set by hand.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;
const DOB = '1968-02-29';

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

/** A clinic's website (or anyone's) that embeds the chat in a frame, at http://localhost:<port>. */
let clinicSite: http.Server;
let otherSite: http.Server;
const siteUrl = (server: http.Server) => `http://localhost:${(server.address() as net.AddressInfo).port}`;

async function embeddingSite(): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Site</title><iframe title="chat" src="${t.hub.url}/chat"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  ensureWebPagesBuilt();
  const port = await freePort();
  const clinicSitePort = await freePort();
  t = await startTestHub({
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEBCHAT_FRAME_ANCESTORS: `http://localhost:${clinicSitePort}`,
    },
  });
  clinicSite = await embeddingSite();
  await new Promise<void>((resolve) => clinicSite.close(() => resolve()));
  await new Promise<void>((resolve) => clinicSite.listen(clinicSitePort, '127.0.0.1', resolve));
  otherSite = await embeddingSite();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  clinicSite?.close();
  otherSite?.close();
});

/** A contact with a date of birth who was sent lab results: the secure link as the SMS carried it. */
async function patientWithSecureMessage(summary: string) {
  const api = await t.api();
  const phone = randomUsPhone();
  const created = await api.post('/contacts', { name: 'Rosa Patient', phone, dateOfBirth: DOB }).expect(201);
  const contactId = created.body.contact.id as string;
  const sent = await api
    .post('/outbound', {
      to: { contactId },
      template: 'lab-results-available',
      variables: { clinicName: 'Riverside Clinic', testName: 'Lipid panel', resultSummary: summary },
    })
    .expect(202);
  const sms = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  const link = new RegExp(`${t.hub.config.publicUrl}/s/[A-Za-z0-9_-]{43}`).exec(String(sms.params.Body))?.[0];
  if (!link) throw new Error('the SMS carried no secure link');
  return { contactId, link, conversationId: sent.body.message.conversationId as string };
}

async function messagesOf(conversationId: string) {
  const api = await t.api();
  const detail = await api.get(`/conversations/${conversationId}`).expect(200);
  return detail.body.conversation.messages as { direction: string; channel: string; body: string }[];
}

async function confirmDateOfBirth(page: Page) {
  await page.getByLabel('Date of birth (YYYY-MM-DD)').fill(DOB);
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('secure link in the browser', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await context.newPage();
    errors = watchPageErrors(page);
  });
  afterEach(async () => {
    await context.close();
  });

  test('date of birth, then a reply, then "Chat with the clinic" into a verified chat', async () => {
    const { link, conversationId } = await patientWithSecureMessage('LDL 131 mg/dL');
    await page.goto(link);
    await page.getByRole('heading', { name: /You have a secure message/ }).waitFor(VISIBLE);
    expect(await page.content()).not.toContain('LDL 131');
    await confirmDateOfBirth(page);
    await page.getByText('LDL 131 mg/dL').waitFor(VISIBLE);

    await page.getByLabel('Reply to the clinic').fill('Thank you. Should I fast before the next test?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('status').filter({ hasText: 'Your reply was sent to the clinic.' }).waitFor(VISIBLE);
    await screenshot(page, 'secure-link-reply.png');
    const afterReply = await messagesOf(conversationId);
    expect(afterReply).toContainEqual(
      expect.objectContaining({
        direction: 'inbound',
        channel: 'securelink',
        body: 'Thank you. Should I fast before the next test?',
      }),
    );

    await page.getByRole('button', { name: 'Chat with the clinic' }).click();
    await page.waitForURL(/\/chat$/);
    await page.getByText('You are verified in this chat.').waitFor(VISIBLE);
    // The handoff left the address bar as soon as the page read it.
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('Your message').fill('Also, can I take my usual pills that morning?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    // The chat joined the patient's one conversation: the message is in the same thread.
    await eventually(async () =>
      (await messagesOf(conversationId)).some(
        (m) =>
          m.direction === 'inbound' &&
          m.channel === 'webchat' &&
          m.body === 'Also, can I take my usual pills that morning?',
      ),
    );
    await screenshot(page, 'secure-link-chat.png');
    expect(errors).toEqual([]);
  });

  test('a session that ended asks for the date of birth again, and answering it opens the message', async () => {
    const { link, conversationId } = await patientWithSecureMessage('HbA1c 6.1%');
    await page.goto(link);
    await confirmDateOfBirth(page);
    await page.getByText('HbA1c 6.1%').waitFor(VISIBLE);
    // The 15-minute session ends (its cookie is gone) while the page is still open.
    await context.clearCookies();
    await page.getByLabel('Reply to the clinic').fill('Is that good?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('For your privacy, please confirm your date of birth again.').waitFor(VISIBLE);
    // That form goes to the link itself: no loop back to the refused reply.
    await confirmDateOfBirth(page);
    await page.getByText('HbA1c 6.1%').waitFor(VISIBLE);
    expect(new URL(page.url()).pathname).toBe(new URL(link).pathname);
    await page.getByLabel('Reply to the clinic').fill('Is that good?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Your reply was sent to the clinic.').waitFor(VISIBLE);
    const replies = (await messagesOf(conversationId)).filter((m) => m.direction === 'inbound');
    expect(replies.map((m) => m.body)).toEqual(['Is that good?']);
    expect(errors).toEqual([]);
  });

  test('another site cannot post a reply with the patient’s open session', async () => {
    const { link, conversationId } = await patientWithSecureMessage('TSH 2.1');
    await page.goto(link);
    await confirmDateOfBirth(page);
    await page.getByText('TSH 2.1').waitFor(VISIBLE);
    // A page from another origin (a data: URL is opaque, as a hostile site's frame would be)
    // auto-submits a reply form to the link, in the same browser that holds the session.
    const attack = `<form method="post" action="${link}/reply"><input name="body" value="forged"></form>
<script>document.forms[0].submit()</script>`;
    const attacker = await context.newPage();
    await attacker.goto(`data:text/html,${encodeURIComponent(attack)}`);
    await attacker.waitForURL(`${link}/reply`);
    expect(await attacker.content()).toContain('please confirm your date of birth again');
    const inbound = (await messagesOf(conversationId)).filter((m) => m.direction === 'inbound');
    expect(inbound).toEqual([]);
  });
});

/** The page's icon as the browser resolves it, loaded as an image under the page's own CSP. */
async function loadedFavicon(page: Page): Promise<{ href: string; loaded: boolean }> {
  // A string, as the test files are compiled without the DOM's types.
  return (await page.evaluate(`(async () => {
    const link = document.querySelector('link[rel="icon"]');
    if (!link) return { href: '', loaded: false };
    const image = new Image();
    const loaded = await new Promise((resolve) => {
      image.onload = () => resolve(true);
      image.onerror = () => resolve(false);
      image.src = link.href;
    });
    return { href: link.href, loaded };
  })()`)) as { href: string; loaded: boolean };
}

test('patient pages (web chat, secure link) link a favicon the browser loads under their strict CSP', async () => {
  const { link } = await patientWithSecureMessage('HbA1c 6.1%');
  for (const address of [`${t.hub.url}/chat`, link]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(address);
    const icon = await loadedFavicon(page);
    // Same origin (nothing fetched from elsewhere), an SVG, and allowed by the page's img-src.
    expect(icon).toEqual({ href: `${t.hub.url}/favicon.svg`, loaded: true });
    const response = await page.request.get(icon.href);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    expect(errors).toEqual([]);
    await context.close();
  }
});

test('web chat: an anonymous visitor writes and the message is stored', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/chat`);
  const text = `Do you take walk-ins on Saturday? ${Date.now()}`;
  await page.getByLabel('Your message').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('list').getByText(text).waitFor(VISIBLE);
  const api = await t.api();
  await eventually(async () => {
    const list = await api.get('/conversations?sort=activity&status=all').expect(200);
    return (list.body.conversations as { snippet: string | null }[]).some((c) => c.snippet === text);
  });
  expect(errors).toEqual([]);
  await context.close();
});

test('the hub’s bare address, where the first-start banner used to point, opens the inbox sign-in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${t.hub.url}/`);
  expect(new URL(page.url()).pathname).toBe('/inbox');
  expect(response?.status()).toBe(200);
  await page.getByRole('button', { name: 'Sign in' }).waitFor(VISIBLE);
  await context.close();
});

test('the chat can be framed by the site WEBCHAT_FRAME_ANCESTORS names, and by no other', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(siteUrl(clinicSite));
  await page.frameLocator('iframe').getByLabel('Your message').waitFor(VISIBLE);

  await page.goto(siteUrl(otherSite));
  const frame = await eventually(async () => page.frames().find((f) => f !== page.mainFrame()));
  await frame.waitForLoadState('load');
  // Loaded, and what loaded is the browser's refusal, not the chat.
  expect(await frame.locator('#body').count()).toBe(0);
  expect(frame.url()).not.toBe(`${t.hub.url}/chat`);
  await context.close();
});
