import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { ensureWebPagesBuilt, launchChromium, signIn } from '../support/browser';
import { ADMIN, startTestHub, type TestHub } from '../support/test-hub';

// The inbox page's socket is authenticated by the session cookie, which the browser also sends when
// another page on the same site (another port of the same host) opens a socket to the hub. Only the
// hub's own pages may use it; a bearer token, which a page has only if it was given it, works anywhere.
jest.setTimeout(90_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

const CLIENT = fs.readFileSync(
  path.join(path.dirname(require.resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js'),
  'utf8',
);

let t: TestHub;
let browser: Browser;
let other: http.Server;
let otherUrl: string;

/** Another site's page: it opens a socket to the hub's /inbox, with a token when the URL gives one. */
const otherPage = (hubUrl: string) => `<!doctype html>
<title>waiting</title>
<script src="/socket.io.min.js"></script>
<script>
  const token = new URLSearchParams(location.search).get('token');
  const socket = io(${JSON.stringify(`${hubUrl}/inbox`)}, {
    transports: ['websocket'],
    withCredentials: true,
    reconnection: false,
    auth: token ? { token } : {},
  });
  socket.on('connect', () => { document.title = 'connected'; });
  socket.on('connect_error', (error) => { document.title = 'refused: ' + error.message; });
</script>`;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  other = http.createServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(CLIENT);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(otherPage(t.hub.url));
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.close(resolve));
  await t?.stop();
});

const outcome = async (page: Page) => {
  await page.waitForFunction("document.title !== 'waiting'", undefined, { timeout: 20_000 });
  return page.title();
};

test('a page of another origin cannot open the inbox socket with the session cookie; the hub’s own page can', async () => {
  const context = await browser.newContext();
  const inbox = await context.newPage();
  await inbox.goto(`${t.hub.url}/inbox`);
  await signIn(inbox, ADMIN.email, ADMIN.password);
  // The hub's own page is connected with its cookie.
  await inbox
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  expect((await context.cookies(t.hub.url)).map((c) => c.name)).toContain('careline_session');

  const elsewhere = await context.newPage();
  await elsewhere.goto(`${otherUrl}/`);
  expect(await outcome(elsewhere)).toBe('refused: origin_not_allowed');

  // A token given to that page works from there: it proves the page was handed it.
  const token = (await request(t.hub.url).post('/api/v1/auth/login').send(ADMIN).expect(200)).body.token;
  const withToken = await context.newPage();
  await withToken.goto(`${otherUrl}/?token=${encodeURIComponent(token)}`);
  expect(await outcome(withToken)).toBe('connected');
  await context.close();
});
