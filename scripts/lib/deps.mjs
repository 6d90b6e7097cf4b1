// Keep node_modules and dist/ up to date, so `npm start` / `npm test` work right after a clone or a pull.
import fs from 'node:fs';
import path from 'node:path';
import { run, SetupError } from './proc.mjs';

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Run `npm ci` (or `npm install` without a lockfile) when node_modules is missing or older than the lockfile.
 * "Age of node_modules" is npm's own hidden lockfile (node_modules/.package-lock.json), which npm rewrites at the
 * end of every install; the directory's mtime is only a fallback, since it does not change when npm updates
 * packages inside it.
 */
export async function ensureDeps(root, log) {
  const lock = path.join(root, 'package-lock.json');
  const hasLock = fs.existsSync(lock);
  const modules = path.join(root, 'node_modules');
  const marker = path.join(modules, '.package-lock.json');
  const installedAt = mtime(marker) ?? mtime(modules);
  const wantedAt = mtime(hasLock ? lock : path.join(root, 'package.json')) ?? 0;
  if (installedAt !== undefined && installedAt >= wantedAt) return;

  const args = hasLock ? ['ci'] : ['install'];
  // --include=dev: the build and the tests need typescript/jest even when NODE_ENV=production is set.
  log(`node_modules is ${installedAt === undefined ? 'missing' : 'out of date'}: npm ${args[0]}`);
  const flags = ['--include=dev', '--no-audit', '--no-fund'];
  let code = await run('npm', [...args, ...flags], { cwd: root });
  if (code !== 0 && hasLock) {
    // `npm ci` is stricter than `npm install`: it refuses a lockfile that lacks the optional per-platform packages
    // of another OS (a known npm behaviour with lockfiles written on one platform), which install accepts.
    log(`npm ci failed (exit ${code}); trying npm install instead`);
    code = await run('npm', ['install', ...flags], { cwd: root });
  }
  if (code !== 0)
    throw new SetupError(`Installing dependencies failed (exit ${code}); see the npm output above.`);
  // Make sure the marker is newer than the lockfile even if npm rewrote the lockfile last.
  const now = new Date();
  fs.utimesSync(fs.existsSync(marker) ? marker : modules, now, now);
}

/** Newest mtime of the .ts files under `dir` (recursively), 0 when there are none. */
function newestTs(dir) {
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
      if (entry.name !== 'node_modules') newest = Math.max(newest, newestTs(full));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, mtime(full) ?? 0);
    }
  }
  return newest;
}

/** Run `npm run build` when dist/src/main.js is missing or older than any source or build setting. */
export async function ensureBuild(root, log) {
  const output = path.join(root, 'dist', 'src', 'main.js');
  const builtAt = mtime(output);
  const configs = fs.readdirSync(root).filter((f) => /^tsconfig.*\.json$/.test(f) || f === 'package.json');
  const sourcesAt = Math.max(
    newestTs(path.join(root, 'src')),
    newestTs(path.join(root, 'channels')),
    ...configs.map((f) => mtime(path.join(root, f)) ?? 0),
  );
  if (builtAt !== undefined && builtAt >= sourcesAt) return;

  log(
    `${builtAt === undefined ? 'dist/src/main.js is missing' : 'sources changed since the last build'}: npm run build`,
  );
  const code = await run('npm', ['run', 'build'], { cwd: root });
  if (code !== 0) {
    // tsc emits JavaScript even when type checking fails; remove the entry point so the next start rebuilds
    // instead of running a half-checked build.
    fs.rmSync(output, { force: true });
    throw new SetupError(
      `\`npm run build\` failed (exit ${code}); fix the errors above and run npm start again.`,
    );
  }
  if (!fs.existsSync(output)) {
    throw new SetupError('`npm run build` succeeded but did not produce dist/src/main.js.');
  }
}
