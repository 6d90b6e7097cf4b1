import net from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousAccessibilityViolations } from '../support/accessibility';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn } from '../support/browser';
import { importOptedInAudience } from '../support/opted-in-audience';
import {
  ADMIN,
  eventually,
  middayTimeZone,
  randomUsPhone,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// WCAG 2.1 AA on every page, checked by axe-core in Debian's chromium: the staff pages (login, inbox
// with a conversation open, supervisor, admin, campaigns and a campaign's results, sandbox) and the patient pages (/s/:token before and
// after the date of birth, /chat), on a desktop in light and dark mode and on a phone in dark mode.
jest.setTimeout(180_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;
const DOB = '1971-05-14';

let t: TestHub;
// The sandbox phone runs only where SMS is sandboxed: a second hub, without Twilio credentials.
let sandboxed: TestHub;
let browser: Browser;
let secureLink: string;
const question = `Can I move my appointment to Friday afternoon? ${Date.now()}`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  ensureWebPagesBuilt();
  // The secure link must carry the address the browser uses.
  const port = await freePort();
  [t, sandboxed, browser] = await Promise.all([
    startTestHub({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } }),
    startTestHub({
      env: { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM_NUMBER: '', TWILIO_API_URL: '' },
    }),
    launchChromium(),
  ]);

  // A conversation in the inbox (a visitor's web chat, triaged like any message), and a secure link
  // sent to a patient by SMS.
  const visitor = await browser.newContext();
  const chat = await visitor.newPage();
  await chat.goto(`${t.hub.url}/chat`);
  await chat.getByLabel('Your message').fill(question);
  await chat.getByRole('button', { name: 'Send', exact: true }).click();
  await chat.getByRole('list').getByText(question).waitFor(VISIBLE);
  await visitor.close();

  const api = await t.api();
  const phone = randomUsPhone();
  const created = await api.post('/contacts', { name: 'Ada Patient', phone, dateOfBirth: DOB }).expect(201);
  await api
    .post('/outbound', {
      to: { contactId: created.body.contact.id },
      template: 'lab-results-available',
      variables: { clinicName: 'Riverside Clinic', testName: 'Lipid panel', resultSummary: 'LDL 98 mg/dL' },
    })
    .expect(202);
  const sms = await eventually(async () => t.twilio.messages.find((m) => m.params.To === phone));
  const link = new RegExp(`${t.hub.config.publicUrl}/s/[A-Za-z0-9_-]{43}`).exec(String(sms.params.Body))?.[0];
  if (!link) throw new Error('the SMS carried no secure link');
  secureLink = link;

  // A draft campaign for the Campaigns tab to show, preview and all.
  await api
    .post('/campaigns', {
      name: 'Flu shot recall',
      template: 'recall-outreach',
      audience: { filter: { ageMin: 18 } },
      variables: { link: 'https://book.clinic.test/flu' },
    })
    .expect(201);
  // And one sent, for its results: figures, the chart (uPlot's canvas) and their tables.
  const tag = `a11y${Date.now().toString(36)}`;
  await importOptedInAudience(
    t,
    api,
    `externalId,name,phone,dateOfBirth,timeZone,tags\n${tag},Cy Patient,${randomUsPhone()},1950-01-02,${middayTimeZone()},${tag}`,
    tag,
  );
  const sent = await api
    .post('/campaigns', {
      name: 'Spring recall',
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link: 'https://book.clinic.test/spring' },
    })
    .expect(201);
  await api.post(`/campaigns/${sent.body.id}/start`, {}).expect(200);
  await eventually(async () => {
    const res = await api.get(`/campaigns/${sent.body.id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  });
});

afterAll(async () => {
  await browser?.close();
  await sandboxed?.stop();
  await t?.stop();
});

const LAYOUTS = [
  { name: 'desktop, light', viewport: { width: 1440, height: 900 }, colorScheme: 'light' as const },
  { name: 'phone, dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const },
  { name: 'desktop, dark', viewport: { width: 1440, height: 900 }, colorScheme: 'dark' as const },
];

/**
 * What is wrong with each page checked, gathered over a whole walk so one run names every fix: the
 * serious and critical axe findings, and any sideways scroll (content wider than the viewport).
 */
type Findings = Record<string, unknown>;

/** Checks the page as it stands, with a screenshot to look at when a rule fails. */
async function checkPage(
  page: Page,
  label: string,
  findings: Findings,
  scheme: 'light' | 'dark',
): Promise<void> {
  await screenshot(page, `a11y-${label}.png`);
  const violations = await seriousAccessibilityViolations(page);
  if (violations.length > 0) findings[label] = violations;
  const overflow = (await page.evaluate(
    'document.documentElement.scrollWidth - window.innerWidth',
  )) as number;
  if (overflow > 0) findings[`${label}: scrolls sideways by ${overflow} px`] = overflow;
  // Each page follows the system's colour scheme: dark pages on a dark system, light ones otherwise.
  const background = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
  const rootBackground = (await page.evaluate(
    'getComputedStyle(document.documentElement).backgroundColor',
  )) as string;
  const shown = background === 'rgba(0, 0, 0, 0)' ? rootBackground : background;
  const [r = 0, g = 0, b = 0] = (shown.match(/\d+/g) ?? []).map(Number);
  const dark = r + g + b < 3 * 80;
  if (dark !== (scheme === 'dark')) findings[`${label}: background ${shown} in ${scheme} mode`] = shown;
}

describe.each(LAYOUTS)('axe-core, $name', ({ name, viewport, colorScheme }) => {
  let context: BrowserContext;
  let page: Page;
  const tag = name.replace(/\W+/g, '-');

  beforeAll(async () => {
    context = await browser.newContext({ viewport, colorScheme });
    // A click waits for its element without end by default: a page that never shows it should fail
    // naming the element, not at the test's timeout.
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
  });

  test('the inbox: login, the list and its panels, the shortcuts, an open conversation and its forms', async () => {
    const findings: Findings = {};
    await page.goto(`${t.hub.url}/inbox`);
    await page.getByLabel('Email').waitFor(VISIBLE);
    await checkPage(page, `login-${tag}`, findings, colorScheme);

    await signIn(page, ADMIN.email, ADMIN.password);
    await page
      .getByRole('status', { name: 'Connection' })
      .filter({ hasText: /^live$/ })
      .waitFor(VISIBLE);
    const row = page
      .getByRole('list', { name: 'Conversations' })
      .getByRole('listitem')
      .filter({ hasText: question });
    await row.waitFor(VISIBLE);
    await checkPage(page, `inbox-${tag}`, findings, colorScheme);

    // The list's panels open, a row ticked for a bulk action, the alert settings and the shortcuts.
    await page.locator('summary', { hasText: 'Manage canned responses' }).click();
    await page.locator('summary', { hasText: 'Manage labels' }).click();
    await row.getByRole('checkbox').check();
    await page.locator('summary', { hasText: 'Alerts' }).click();
    await checkPage(page, `inbox-panels-${tag}`, findings, colorScheme);
    await page.locator('summary', { hasText: 'Alerts' }).click();
    await row.getByRole('checkbox').uncheck();
    // Focus off the checkbox (single-key shortcuts do not fire in a field), then ?.
    await page.getByRole('heading', { name: 'CareLine', exact: true }).click();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor(VISIBLE);
    await checkPage(page, `shortcuts-${tag}`, findings, colorScheme);
    await page.keyboard.press('Escape');

    await row.getByRole('button').first().click();
    await page
      .getByRole('list', { name: 'Messages' })
      .getByRole('complementary', { name: 'Triage decision' })
      .waitFor(VISIBLE);
    await checkPage(page, `thread-${tag}`, findings, colorScheme);

    // The triage override form, and the composer (its own screen on a phone) with a template's fields.
    await page.getByRole('button', { name: 'Override triage' }).first().click();
    await page.getByRole('form', { name: 'Override triage' }).waitFor(VISIBLE);
    const writeReply = page.getByRole('button', { name: 'Write a reply' });
    if (await writeReply.isVisible()) await writeReply.click();
    await page.getByLabel('Template').selectOption({ index: 1 });
    await checkPage(page, `thread-forms-${tag}`, findings, colorScheme);
    expect(findings).toEqual({});
  });

  test('the views beside the inbox: supervisor, admin, campaigns', async () => {
    const findings: Findings = {};
    // Signed in by the test before (the session is a cookie): the inbox opens live.
    await page.goto(`${t.hub.url}/inbox`);
    await page
      .getByRole('status', { name: 'Connection' })
      .filter({ hasText: /^live$/ })
      .waitFor(VISIBLE);
    const views = page.getByRole('navigation', { name: 'Views' });
    await views.getByRole('button', { name: 'Supervisor' }).click();
    await page
      .getByRole('heading', { name: /Supervisor|Queues/ })
      .first()
      .waitFor(VISIBLE);
    await checkPage(page, `supervisor-${tag}`, findings, colorScheme);

    await views.getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('region', { name: 'Clinic settings' }).getByLabel('Time zone').waitFor(VISIBLE);
    await checkPage(page, `admin-${tag}`, findings, colorScheme);

    // Campaigns: an import's result with its error report link, a draft campaign and its preview.
    await views.getByRole('button', { name: 'Campaigns' }).click();
    const importer = page.getByRole('region', { name: 'Import contacts' });
    await importer.getByLabel('Contacts CSV').setInputFiles({
      name: 'patients.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `externalId,name,phone\nA11Y-1,Bea Patient,${randomUsPhone()}\nA11Y-2,Bad Phone,12\n`,
      ),
    });
    await importer.getByRole('button', { name: 'Import' }).click();
    await importer.getByRole('link', { name: /error report/ }).waitFor(VISIBLE);
    await page
      .getByRole('region', { name: 'Campaigns list' })
      .getByRole('button', { name: 'Flu shot recall' })
      .click();
    const campaign = page.getByRole('region', { name: 'Campaign Flu shot recall' });
    await campaign.getByRole('button', { name: 'Preview' }).click();
    await campaign.getByRole('region', { name: 'Preview' }).waitFor(VISIBLE);
    await checkPage(page, `campaigns-${tag}`, findings, colorScheme);
    await page
      .getByRole('region', { name: 'Campaigns list' })
      .getByRole('button', { name: 'Spring recall' })
      .click();
    const results = page
      .getByRole('region', { name: 'Campaign Spring recall' })
      .getByRole('region', { name: 'Results' });
    await results.locator('.uplot canvas').waitFor(VISIBLE);
    await results.getByText(/^The figures per/).click();
    await results.getByRole('table', { name: /^Sends and deliveries per/ }).waitFor(VISIBLE);
    await checkPage(page, `campaign-results-${tag}`, findings, colorScheme);
    expect(findings).toEqual({});
  });

  test('the sandbox phone', async () => {
    const findings: Findings = {};
    await page.goto(`${sandboxed.hub.url}/sandbox`);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByLabel('Phone number').fill(randomUsPhone());
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('textbox', { name: 'Message from the patient' }).fill('Do you have parking?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page
      .getByRole('list', { name: 'Phone messages' })
      .getByText('Do you have parking?')
      .waitFor(VISIBLE);
    await checkPage(page, `sandbox-${tag}`, findings, colorScheme);
    expect(findings).toEqual({});
  });

  test('the patient pages: a secure link before and after the date of birth, and the web chat', async () => {
    const findings: Findings = {};
    await page.goto(secureLink);
    await page.getByLabel('Date of birth (YYYY-MM-DD)').waitFor(VISIBLE);
    await checkPage(page, `secure-link-${tag}`, findings, colorScheme);
    await page.getByLabel('Date of birth (YYYY-MM-DD)').fill(DOB);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('LDL 98 mg/dL').waitFor(VISIBLE);
    await checkPage(page, `secure-message-${tag}`, findings, colorScheme);

    await page.goto(`${t.hub.url}/chat`);
    await page.getByLabel('Your message').fill('Is there parking near the clinic?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('list').getByText('Is there parking near the clinic?').waitFor(VISIBLE);
    await checkPage(page, `chat-${tag}`, findings, colorScheme);
    expect(findings).toEqual({});
  });
});
