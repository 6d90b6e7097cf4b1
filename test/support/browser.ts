import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILT_PAGE = path.join(ROOT, 'dist', 'web', 'inbox', 'index.html');

/** Where browser tests leave screenshots (gitignored). */
export const RESULTS_DIR = path.join(ROOT, 'test-results');

/** CHROMIUM_PATH, else Debian's chromium. Never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the staff pages (dist/web) when missing or older than web/, so a test run straight from
 * jest works too; `npm test` has built them already.
 */
export function ensureWebPagesBuilt(): void {
  const builtAt = fs.existsSync(BUILT_PAGE) ? fs.statSync(BUILT_PAGE).mtimeMs : 0;
  if (builtAt >= newestUnder(path.join(ROOT, 'web'))) return;
  execFileSync(
    'npx',
    ['--no', '--', 'vite', 'build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'],
    // Jest sets NODE_ENV=test, which vite would honour with React's development build.
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}

/** Headless Debian chromium with a fresh temporary profile (playwright creates one per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (npm test does it when run as root) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Signs in on the page's own login form. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Collects page errors and CSP violations, so a test can assert there were none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, name);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
