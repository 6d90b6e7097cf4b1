import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { ensureWebPagesBuilt, launchChromium, screenshot, signIn, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The triage note in the thread speaks the front desk's words: what the patient asked, which
// emergency sign was read and which was negated; never an intent id, a concept id or a score.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

// Every id the engine's own reasons carry: intent names and red-flag concept names, from intents/.
const INTENTS_DIR = path.resolve(__dirname, '..', '..', 'intents');
const ids = new Set<string>();
for (const file of fs.readdirSync(INTENTS_DIR).filter((f) => f.endsWith('.yaml')))
  ids.add((parse(fs.readFileSync(path.join(INTENTS_DIR, file), 'utf8')) as { name: string }).name);
for (const file of fs.readdirSync(path.join(INTENTS_DIR, 'concepts')).filter((f) => f.endsWith('.yaml'))) {
  const data = parse(fs.readFileSync(path.join(INTENTS_DIR, 'concepts', file), 'utf8')) as {
    concepts?: { name: string }[];
  };
  for (const concept of data.concepts ?? []) ids.add(concept.name);
}
// Ids that are also plain English words ("confirm", "help") are only ids when written as one.
const rawIds = [...ids].filter((id) => /_/.test(id));

let t: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The triage note's text for the thread holding `body`, once triage has decided on it. */
async function triageNoteOf(body: string): Promise<string> {
  const row = page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('listitem')
    .filter({ hasText: body });
  await row.waitFor(VISIBLE);
  await row.getByRole('button').first().click();
  const message = page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: body });
  const note = message.getByRole('complementary', { name: 'Triage decision' });
  await note.waitFor(VISIBLE);
  return (await note.textContent()) ?? '';
}

test('triage notes read as plain words: an emergency sign, a negated one, a clinical question', async () => {
  const errors = watchPageErrors(page);
  const emergency = `Crushing chest pain going down my left arm ${Date.now()}`;
  const question = `No chest pain, but my cough is keeping me up, what dose of the syrup? ${Date.now()}`;
  for (const [phone, body] of [
    [randomUsPhone(), emergency],
    [randomUsPhone(), question],
  ] as const) {
    await t.postInboundSms({ From: phone, Body: body }).expect(200);
  }
  // Both decided before the page reads them, so the notes are there when their threads open.
  const api = await t.api();
  await eventually(async () => {
    const list = await api.get('/conversations?limit=50').expect(200);
    const ids = (list.body.conversations as { id: string }[]).map((c) => c.id);
    let decided = 0;
    for (const id of ids) {
      const detail = await api.get(`/conversations/${id}`).expect(200);
      const messages = detail.body.conversation.messages as { body: string; triage: unknown }[];
      if (messages.some((m) => (m.body === emergency || m.body === question) && m.triage)) decided++;
    }
    return decided === 2;
  });

  await page.goto(`${t.hub.url}/inbox`);
  await signIn(page, ADMIN.email, ADMIN.password);

  const emergencyNote = await triageNoteOf(emergency);
  expect(emergencyNote).toContain('Emergency sign: chest pain or pressure');
  await screenshot(page, 'triage-findings-emergency.png');

  const questionNote = await triageNoteOf(question);
  expect(questionNote).toContain('Asked a clinical question');
  expect(questionNote).toContain('Negated: chest pain or pressure');
  await screenshot(page, 'triage-findings-question.png');

  for (const note of [emergencyNote, questionNote]) {
    // No id from intents/, no engine wording, no score.
    for (const id of rawIds) expect(note).not.toContain(id);
    expect(note).not.toMatch(/red flag|keyword for|classifier|p=\d/);
  }
  expect(errors).toEqual([]);
});

test('an intent reads as its label from intents/ (GET /triage/intents), not as its id spelled out', async () => {
  const errors = watchPageErrors(page);
  // The help intent's label ("Help with the text line") is not its id spelled out ("Help").
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'HELP' }).expect(200);
  const api = await t.api();
  await eventually(async () => {
    const list = await api.get('/conversations?limit=50').expect(200);
    for (const { id } of list.body.conversations as { id: string }[]) {
      const detail = await api.get(`/conversations/${id}`).expect(200);
      const messages = detail.body.conversation.messages as { body: string; triage?: { intent?: string } }[];
      if (messages.some((m) => m.body === 'HELP' && m.triage?.intent === 'help')) return true;
    }
    return false;
  });

  // Signed in by the test above; a fresh load reads the new conversation.
  await page.goto(`${t.hub.url}/inbox`);
  // Playwright's hasText is a case-insensitive substring: the word alone, in capitals, is the patient's.
  const help = { has: page.getByText('HELP', { exact: true }) };
  const row = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter(help);
  await row.getByRole('button').first().click();
  const message = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter(help);
  const note = message.getByRole('complementary', { name: 'Triage decision' });
  await note.waitFor(VISIBLE);
  expect(await note.textContent()).toContain('Help with the text line');
  // The override form offers the intents by their labels too.
  await message.getByRole('button', { name: 'Override triage' }).click();
  const options = await page
    .getByRole('combobox', { name: 'Override intent' })
    .locator('option')
    .allTextContents();
  expect(options).toEqual(expect.arrayContaining(['Help with the text line', 'Clinical question']));
  expect(options).not.toContain('Clinical_question');
  await screenshot(page, 'triage-intent-labels.png');
  expect(errors).toEqual([]);
});
