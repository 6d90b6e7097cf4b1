import type { Browser, Page } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium, screenshot, watchPageErrors } from '../support/browser';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The whole inbox with the keyboard only: no click, no locator action that moves focus. Sign in,
// find the conversation with Tab, open it, claim it, reply, look up the shortcuts, resolve it; and
// every control focused on the way shows where the focus is.
jest.setTimeout(120_000);
const VISIBLE = { state: 'visible', timeout: 20_000 } as const;

let t: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureWebPagesBuilt();
  t = await startTestHub();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

interface Focused {
  tag: string;
  name: string;
  className: string;
  type: string;
  /** A focus ring of at least 2 px that is not transparent, or a box shadow in its place. */
  ringVisible: boolean;
}

// A string, so the DOM code runs in the page without DOM types in the test's compilation.
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 &&
    style.outlineColor !== 'rgba(0, 0, 0, 0)';
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 80),
    className: typeof el.className === 'string' ? el.className : '',
    type: el.getAttribute('type') || '',
    ringVisible: ring || style.boxShadow !== 'none',
  };
})()`;

const focused = async () => (await page.evaluate(FOCUSED)) as Focused | null;

/** Presses Tab until the focused element matches, checking that each element on the way shows its focus. */
async function tabTo(matches: (f: Focused) => boolean, what: string): Promise<Focused> {
  const visited: string[] = [];
  for (let presses = 0; presses < 120; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused();
    if (!now) continue;
    expect({ focused: now.name || now.tag, ringVisible: now.ringVisible }).toEqual({
      focused: now.name || now.tag,
      ringVisible: true,
    });
    if (matches(now)) return now;
    visited.push(now.name || now.tag);
  }
  throw new Error(`Tab never reached ${what}; it went through: ${visited.join(' | ')}`);
}

test('a conversation worked from sign-in to resolved with the keyboard only, focus always visible', async () => {
  const errors = watchPageErrors(page);
  const phone = randomUsPhone();
  const token = String(Date.now());
  const question = `Is the flu clinic open on Saturday? ${token}`;
  await t.postInboundSms({ From: phone, Body: question }).expect(200);
  // A second patient, for j and k.
  const other = `Do you have evening appointments? ${token}`;
  await t.postInboundSms({ From: randomUsPhone(), Body: other }).expect(200);
  // Both triaged before the list is read, so its order (most urgent first) holds while j/k are pressed.
  const api = await t.api();
  await eventually(async () => {
    // Found by the words both messages share: a reply may have become a row's snippet since.
    const list = await api.get(`/conversations?sort=activity&q=${token}`).expect(200);
    const ours = list.body.conversations as { id: string }[];
    if (ours.length !== 2) return undefined;
    for (const c of ours) {
      const detail = await api.get(`/conversations/${c.id}`).expect(200);
      if (!(detail.body.conversation.messages as { triage: unknown }[]).some((m) => m.triage))
        return undefined;
    }
    return true;
  });

  await page.goto(`${t.hub.url}/inbox`);
  await page.getByLabel('Email').waitFor(VISIBLE);
  await tabTo((f) => f.type === 'email', 'the email field');
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await page
    .getByRole('status', { name: 'Connection' })
    .filter({ hasText: /^live$/ })
    .waitFor(VISIBLE);
  const row = page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('listitem')
    .filter({ hasText: question });
  await row.waitFor(VISIBLE);
  const conversationId = await row.getAttribute('data-conversation-id');

  // Tab through the top bar, the queues and the filters to the conversation, and open it.
  await tabTo(
    (f) => f.className.includes('conversation-row') && f.name.includes(question),
    'the conversation',
  );
  await page.keyboard.press('Enter');
  await page.getByRole('list', { name: 'Messages' }).getByText(question).waitFor(VISIBLE);

  // j and k move to the next and previous conversation in the list's order.
  const messages = page.getByRole('list', { name: 'Messages' });
  const rowTexts = await page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('listitem')
    .allTextContents();
  const otherIsNext =
    rowTexts.findIndex((text) => text.includes(other)) >
    rowTexts.findIndex((text) => text.includes(question));
  await page.keyboard.press(otherIsNext ? 'j' : 'k');
  await messages.getByText(other).waitFor(VISIBLE);
  // The focus went along to the other row.
  await eventually(async () => ((await focused())?.name.includes(other) ? true : undefined));
  await page.keyboard.press(otherIsNext ? 'k' : 'j');
  await messages.getByText(question).waitFor(VISIBLE);

  // c claims it.
  await page.keyboard.press('c');
  await page.getByText('Assigned to Administrator').waitFor(VISIBLE);

  // r goes to the reply box; Shift+Tab reaches the sensitivity, typed to "Limited"; Ctrl+Enter sends.
  await page.keyboard.press('r');
  expect((await focused())?.name).toBe('Reply');
  const reply = `Yes, 9 to 1 on Saturdays ${Date.now()}.`;
  await page.keyboard.type(reply);
  await page.keyboard.press('Shift+Tab');
  const sensitivity = await focused();
  expect(sensitivity?.tag).toBe('select');
  expect(sensitivity?.ringVisible).toBe(true);
  await page.keyboard.type('Limited');
  await page
    .getByRole('status', { name: 'Policy preview' })
    .filter({ hasText: 'will go by SMS' })
    .waitFor(VISIBLE);
  await page.keyboard.press('Tab');
  expect((await focused())?.name).toBe('Reply');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('list', { name: 'Messages' }).getByText(reply).waitFor(VISIBLE);
  const sent = await eventually(async () =>
    t.twilio.messages.find((m) => String(m.params.Body).includes(reply)),
  );
  expect(sent.params.To).toBe(phone);

  // Esc leaves the reply box for the conversation's row, where the shortcuts work again.
  await page.keyboard.press('Escape');
  const back = await focused();
  expect(back?.className).toContain('conversation-row');
  expect(back?.ringVisible).toBe(true);

  // ? lists the shortcuts in a dialog that Esc closes, handing the focus back.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor(VISIBLE);
  for (const keys of ['j / k', 'c', 'r', 'e', 'Ctrl+Enter', 'Esc', '?']) {
    await help.getByRole('rowheader', { name: keys, exact: true }).waitFor(VISIBLE);
  }
  await screenshot(page, 'inbox-keyboard-shortcuts.png');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden', timeout: 5_000 });
  expect((await focused())?.className).toContain('conversation-row');

  // e resolves it.
  await page.keyboard.press('e');
  await eventually(async () => {
    const detail = await api.get(`/conversations/${conversationId}`).expect(200);
    return detail.body.conversation.status === 'resolved' ? true : undefined;
  });
  await screenshot(page, 'inbox-keyboard-resolved.png');

  // The other views are reached the same way: Tab to the Supervisor tab, Enter.
  await tabTo((f) => f.tag === 'button' && f.name === 'Supervisor', 'the Supervisor tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Queues today' }).waitFor(VISIBLE);
  expect(errors).toEqual([]);
});
