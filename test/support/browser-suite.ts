import type { Browser } from 'playwright-core';
import { ensureWebPagesBuilt, launchChromium } from './browser';
import { startTestHub, type TestHub, type TestHubOptions } from './test-hub';

/**
 * Apart from browser.ts, which src/ unit tests import too: this file starts a whole hub.
 *
 * The set-up most browser tests share: before the file's tests, the staff pages built, a test hub
 * and Chromium started and handed to `started`; after them, both closed (each even when the
 * other failed to start).
 */
export function withBrowserAndHub(
  started: (suite: { t: TestHub; browser: Browser }) => void,
  options?: TestHubOptions,
): void {
  let t: TestHub | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureWebPagesBuilt();
    t = await startTestHub(options);
    browser = await launchChromium();
    started({ t, browser });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });
}
