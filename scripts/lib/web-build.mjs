// Keep the staff pages (dist/web, built by vite from web/) up to date for `npm start` and `npm test`.
import fs from 'node:fs';
import path from 'node:path';
import { run, SetupError } from './proc.mjs';

/** Newest mtime of the files under `dir` (recursively), 0 when there are none. */
function newestFile(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') newest = Math.max(newest, newestFile(full));
    } else {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** The built page, or undefined. */
export const webBuildOutput = (root) => path.join(root, 'dist', 'web', 'inbox', 'index.html');

/** True when dist/web is missing or older than anything under web/ or the lockfile (a new React). */
export function webBuildStale(root) {
  let builtAt;
  try {
    builtAt = fs.statSync(webBuildOutput(root)).mtimeMs;
  } catch {
    return true;
  }
  const lock = path.join(root, 'package-lock.json');
  const sourcesAt = Math.max(
    newestFile(path.join(root, 'web')),
    fs.existsSync(lock) ? fs.statSync(lock).mtimeMs : 0,
  );
  return builtAt < sourcesAt;
}

/** Run `npm run build:web` when the staff pages are missing or older than their sources. */
export async function ensureWebBuild(root, log) {
  if (!webBuildStale(root)) return;
  log(
    `${fs.existsSync(webBuildOutput(root)) ? 'web/ changed since the last page build' : 'the staff pages (dist/web) are not built'}: npm run build:web`,
  );
  const code = await run('npm', ['run', 'build:web'], { cwd: root });
  if (code !== 0 || !fs.existsSync(webBuildOutput(root))) {
    throw new SetupError(`\`npm run build:web\` failed (exit ${code}); fix the errors above and try again.`);
  }
}
