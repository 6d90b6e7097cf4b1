import http from 'node:http';
import type net from 'node:net';
import type { Browser } from 'playwright-core';
import { seriousAccessibilityViolations } from '../support/accessibility';
import { screenshot, signIn, watchPageErrors } from '../support/browser';
import { withBrowserAndHub } from '../support/browser-suite';
import { ADMIN, eventually, type TestHub } from '../support/test-hub';

// The web chat in a real browser after an admin gave it the clinic's look: the name, colour,
// greeting and reply time show; a greeting written like markup stays text; the logo's site is
// the one image source the page's CSP lets in; and the page still passes axe in both colour schemes.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;
withBrowserAndHub((suite) => {
  ({ t, browser } = suite);
});

test('the clinic’s colour, greeting and reply time on /chat; the greeting is text, never markup', async () => {
  const greeting = 'Welcome! <img src=x onerror="document.title=1"> Ask us anything.';
  const api = await t.api();
  await api
    .patch('/settings', {
      // .invalid never resolves: the image fails to load, but the CSP must not be what refuses it.
      chatAppearance: { color: '#0b6e4f', greeting, logoUrl: 'https://logo.invalid/brand.png' },
    })
    .expect(200);
  await api.patch('/queues/front-desk', { slaMinutes: 120 }).expect(200);

  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 800, height: 700 }, colorScheme });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${t.hub.url}/chat`);
    await page.getByRole('heading', { name: `Chat with ${t.hub.org.name}` }).waitFor(VISIBLE);
    await page.getByText('Usually replies within 2 hours').waitFor(VISIBLE);
    const shown = page.getByText('Welcome!');
    await shown.waitFor(VISIBLE);
    expect(await shown.textContent()).toBe(greeting);
    expect(await page.locator('.greeting img').count()).toBe(0);
    expect(await page.title()).toBe(`Chat with ${t.hub.org.name}`);

    // A string: the test's TypeScript has no DOM types (as in accessibility.test.ts).
    const header = await page.evaluate(
      "(s => [s.backgroundColor, s.color])(getComputedStyle(document.querySelector('.chat-header')))",
    );
    // Dark green takes white text.
    expect(header).toEqual(['rgb(11, 110, 79)', 'rgb(255, 255, 255)']);
    expect(await page.locator('#clinic-logo').getAttribute('src')).toBe('https://logo.invalid/brand.png');

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, `webchat-appearance-${colorScheme}.png`);
    expect(errors).toEqual([]);
    await context.close();
  }
});

test('the pre-chat form: the name reaches the contact, the topic is the first message, asked once', async () => {
  const api = await t.api();
  await api.patch('/settings', { chatAppearance: { preChatForm: true } }).expect(200);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/chat`);
  const topic = `Can I move my Tuesday appointment? ${Date.now()}`;
  await page.getByLabel('Your name (optional)').fill('Dana <b>Visitor</b>');
  await page.getByLabel('What is it about?').fill(topic);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('list').getByText(topic).waitFor(VISIBLE);
  // Asked once: the plain composer now, and after a reload too.
  await page.getByLabel('Your message').waitFor(VISIBLE);
  expect(await page.getByLabel('Your name (optional)').isVisible()).toBe(false);

  const conversation = await eventually(async () => {
    const list = await api.get('/conversations?sort=activity&status=all').expect(200);
    return (list.body.conversations as { snippet: string | null; displayName: string }[]).find(
      (c) => c.snippet === topic && c.displayName === 'Dana <b>Visitor</b>',
    );
  });
  expect(conversation).toBeDefined();

  await page.reload();
  await page.getByText('Connected').waitFor(VISIBLE);
  await page.getByText('Usually replies within').waitFor(VISIBLE);
  await page.getByLabel('Your message').waitFor(VISIBLE);
  expect(await page.getByLabel('Your name (optional)').isVisible()).toBe(false);
  expect(errors).toEqual([]);
  await context.close();
});

test('the widget on the clinic’s own site takes the clinic’s colour', async () => {
  const api = await t.api();
  await api.patch('/settings', { chatAppearance: { color: '#0b6e4f' } }).expect(200);
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><html lang="en"><title>Clinic</title><script src="${t.hub.url}/chat/widget.js" async></script></html>`,
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://localhost:${(site.address() as net.AddressInfo).port}/`);
    const button = page.getByRole('button', { name: `Chat with us: ${t.hub.org.name}` });
    await button.waitFor(VISIBLE);
    // Named after the fetch, in the same step that colours it.
    expect(await page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor")).toBe(
      'rgb(11, 110, 79)',
    );
    await context.close();
  } finally {
    site.close();
  }
});

test('an admin sets the greeting, colour and pre-chat form in the Admin screen; /chat shows them', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Admin' }).click();
  const form = page.getByRole('form', { name: 'Web chat appearance' });
  await form.waitFor(VISIBLE);
  const greeting = `Hello from the front desk ${Date.now()}`;
  await form.getByRole('textbox', { name: /Greeting shown above/ }).fill(greeting);
  await form.getByRole('checkbox', { name: /Ask a new visitor their name/ }).uncheck();
  await form.getByRole('button', { name: 'Save web chat appearance' }).click();
  await page.getByText('Web chat appearance saved').waitFor(VISIBLE);

  const look = (await (await fetch(`${t.hub.url}/chat/appearance.json`)).json()) as Record<string, unknown>;
  expect(look).toMatchObject({ greeting, preChatForm: false });

  const chat = await context.newPage();
  await chat.goto(`${t.hub.url}/chat`);
  await chat.getByText(greeting).waitFor(VISIBLE);
  await chat.getByLabel('Your message').waitFor(VISIBLE);
  expect(errors).toEqual([]);
  await context.close();
});
