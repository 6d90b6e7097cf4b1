// The browser for the end-to-end tests: Debian's chromium, driven by playwright-core (which never downloads one).
import fs from 'node:fs';
import { aptInstall, isRoot, SetupError } from './proc.mjs';

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const chromiumPath = () => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Make sure the browser exists: install Debian's `chromium` package when missing and we are root. */
export async function ensureChromium(log) {
  const bin = chromiumPath();
  if (fs.existsSync(bin)) return bin;
  if (process.env.CHROMIUM_PATH) {
    throw new SetupError(`CHROMIUM_PATH is set to ${bin}, which does not exist.`);
  }
  if (!isRoot()) {
    throw new SetupError(
      'The browser tests need Chromium at /usr/bin/chromium: install it with `sudo apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).',
    );
  }
  log('chromium is missing: installing the Debian package for the browser tests');
  await aptInstall(['chromium'], log);
  if (!fs.existsSync(bin)) throw new SetupError(`apt-get installed chromium but ${bin} is still missing.`);
  return bin;
}
