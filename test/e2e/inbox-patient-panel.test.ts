import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { queryRows } from '../support/test-database';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// Issue 14 item 4 in a real browser: staff say who the patient is from the patient panel (name,
// date of birth, language, time zone, how they prefer to be reached, the clinic's own details),
// and open the patient's earlier conversation from it; issue 16: they add and remove the patient's
// tags, the words campaign audiences select on.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

let t: TestHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await t?.stop();
});

test('edit the patient in the panel; the thread takes the name; an earlier conversation opens from the panel', async () => {
  const errors = watchPageErrors(page);
  const phone = randomUsPhone();
  const earlier = `Do you take Medicare? ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: earlier }).expect(200);
  const firstId = await eventually(async () => {
    const [row] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1 and triage is not null',
      [phone],
    );
    return row?.conversation_id;
  });
  const api = await t.api();
  await api.post(`/conversations/${firstId}/resolve`, {}).expect(200);

  const now = `Is the clinic open Saturday? ${Date.now()}`;
  await t.postInboundSms({ From: phone, Body: now }).expect(200);
  const row = page.locator('li[data-conversation-id]').filter({ hasText: now });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').first().click();

  const panel = page.getByRole('complementary', { name: 'Patient' });
  await panel.getByRole('button', { name: 'Edit patient' }).click();
  const form = panel.getByRole('form', { name: 'Edit patient' });
  await form.getByLabel('Name', { exact: true }).fill('Rosa Alvarez');
  await form.getByLabel('Date of birth', { exact: true }).fill('1948-11-02');
  await form.getByRole('combobox', { name: /^Language/ }).selectOption('es');
  await form.getByLabel('Time zone', { exact: true }).fill('America/Chicago');
  await form.getByRole('checkbox', { name: /email/i }).check();
  await form.getByRole('button', { name: 'Add detail' }).click();
  await form.getByLabel('Detail 1 label').fill('Preferred pharmacy');
  await form.getByLabel('Detail 1 value').fill('Main St Pharmacy');
  await form.getByRole('button', { name: 'Save patient' }).click();

  const details = panel.getByRole('region', { name: 'Patient details' });
  await details.getByText('Main St Pharmacy').waitFor(VISIBLE);
  await details.getByText('Spanish').waitFor(VISIBLE);
  await details.getByText('1948-11-02').waitFor(VISIBLE);
  await details.getByText('America/Chicago').waitFor(VISIBLE);
  await panel.getByRole('heading', { name: 'Rosa Alvarez' }).waitFor(VISIBLE);
  await row.filter({ hasText: 'Rosa Alvarez' }).waitFor(VISIBLE);
  console.log(`patient panel screenshot: ${await screenshot(page, 'patient-panel.png')}`);

  const [stored] = await queryRows<{ display_name: string; attributes: Record<string, string> }>(
    t.database.url,
    'select c.display_name, c.attributes from contacts c join conversations v on v.contact_id = c.id where v.id = $1',
    [firstId],
  );
  expect(stored).toEqual({
    display_name: 'Rosa Alvarez',
    attributes: { 'Preferred pharmacy': 'Main St Pharmacy' },
  });

  // Tags: typed and Enter adds a chip, saved at once; it is there after a reload; its button removes it,
  // from the keyboard. A tag (it may come from an imported file) is shown as text, never as HTML.
  const tag = `recall-${Date.now()}`;
  const markup = '<b>vip</b>';
  const tagChips = () =>
    page
      .getByRole('complementary', { name: 'Patient' })
      .getByRole('region', { name: 'Tags' })
      .getByRole('list', { name: 'Tags' });
  const addTag = panel.getByRole('textbox', { name: 'Add a tag' });
  await addTag.fill(` ${tag} `);
  await addTag.press('Enter');
  await tagChips().getByText(tag, { exact: true }).waitFor(VISIBLE);
  expect(await addTag.inputValue()).toBe('');
  await addTag.fill(markup);
  await addTag.press('Enter');
  await tagChips().getByText(markup, { exact: true }).waitFor(VISIBLE);
  const storedTags = async () =>
    (
      await queryRows<{ tags: string[] }>(
        t.database.url,
        'select c.tags from contacts c join conversations v on v.contact_id = c.id where v.id = $1',
        [firstId],
      )
    )[0]?.tags;
  expect(await storedTags()).toEqual([tag, markup]);
  console.log(`patient tags screenshot: ${await screenshot(page, 'patient-panel-tags.png')}`);

  await page.reload();
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  await row.getByRole('button').first().click();
  await tagChips().getByText(tag, { exact: true }).waitFor(VISIBLE);
  await tagChips().getByText(markup, { exact: true }).waitFor(VISIBLE);
  await tagChips()
    .getByRole('button', { name: `Remove tag ${tag}` })
    .press('Enter');
  await tagChips().getByText(tag, { exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
  // The keyboard stays in the panel, on the tag input, once the chip's button is gone.
  await page.keyboard.type('next');
  expect(await addTag.inputValue()).toBe('next');
  await addTag.fill('');
  expect(await storedTags()).toEqual([markup]);

  // The earlier, resolved conversation is listed with the patient's words and opens in the thread.
  await panel
    .getByRole('list', { name: 'Other conversations' })
    .getByRole('button', { name: /Medicare/ })
    .click();
  await page.getByRole('list', { name: 'Messages' }).getByText(earlier).waitFor(VISIBLE);
  expect(errors).toEqual([]);
});
