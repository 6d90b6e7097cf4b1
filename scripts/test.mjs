// `npm test`: the same checks locally and in CI (.ci/run calls this and nothing else).
//   1. install dependencies when missing or stale
//   2. find PostgreSQL (TEST_DATABASE_URL, else the local server: started or installed when needed)
//      and create a throwaway database for this run
//   3. make sure Redis answers (REDIS_URL, else a local one, started or installed when needed)
//   4. make sure Chromium is there for the browser tests (Debian's package, installed when root)
//   5. type check (hub and web pages), lint + format check, import rules, copy-paste check, build the staff pages
//      when stale, jest
//      (extra args: `npm test -- <jest args>`)
//   6. drop the throwaway database(s), also after a failure or Ctrl-C
// Only Node built-ins until step 1 is done; then the `pg` package from node_modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './lib/chromium.mjs';
import { ensureDeps } from './lib/deps.mjs';
import { createDatabase, dropDatabases, ensureTestPostgres, throwawayName } from './lib/postgres.mjs';
import { makeLog, run, SetupError, signalChildren, signalExitCode } from './lib/proc.mjs';
import { ensureRedisFromEnv } from './lib/redis.mjs';
import { ensureWebBuild } from './lib/web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = makeLog('test');

const steps = [
  { title: 'type check', cmd: ['tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { title: 'type check (web pages)', cmd: ['tsc', '-p', 'web/tsconfig.json', '--noEmit'] },
  { title: 'lint + format', cmd: ['biome', 'check', '.'] },
  // No import cycle between files or folders, no vendor SDK or adapter in src/ (.dependency-cruiser.cjs).
  {
    title: 'import rules',
    cmd: ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
  },
  // No repeated logic outside tests, migrations and generated files (.jscpd.json): fails on one clone.
  { title: 'copy-paste check', cmd: ['jscpd', '--config', '.jscpd.json'] },
  // The browser tests load the built pages from dist/web.
  { title: 'build the staff pages', run: () => ensureWebBuild(root, log) },
  {
    title: 'jest (unit + integration + browser)',
    // Two workers: most suites wait on servers, sockets and a browser rather than compute, so two at a
    // time halve the wall time on two cores. Each suite has its own database and Redis key prefix.
    // JEST_WORKERS=1 runs them one at a time (in band).
    cmd: ['jest', ...jestWorkers(), ...process.argv.slice(2)],
    env: {
      // PGlite loads its WASM build through a dynamic import, which jest's VM only allows with this flag.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
      // playwright-core drives Debian's chromium; it must never fetch a browser of its own.
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    },
  },
];

function jestWorkers() {
  const workers = Number(process.env.JEST_WORKERS ?? 2);
  return Number.isInteger(workers) && workers > 1 ? [`--maxWorkers=${workers}`] : ['--runInBand'];
}

let interrupted; // the first signal received, if any
let throwaway; // { adminUrl, name } once we may have created a database

// On Ctrl-C the terminal signals the whole process group (jest included); we stay alive long enough
// to drop the test database. A signal sent to this script only (CI timeout, `kill`) is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted ??= signal;
    signalChildren(signal);
  });
}

async function main() {
  await ensureDeps(root, log);

  const adminUrl = await ensureTestPostgres({ root, url: process.env.TEST_DATABASE_URL, log });
  await ensureRedisFromEnv(root, log);
  process.env.CHROMIUM_PATH = await ensureChromium(log);
  if (interrupted) return signalExitCode(interrupted);

  throwaway = { adminUrl, name: throwawayName() };
  process.env.TEST_DATABASE_URL = await createDatabase(root, adminUrl, throwaway.name);
  log(
    `created database ${throwaway.name} (TEST_DATABASE_URL; tests may create more named ${throwaway.name}*)`,
  );

  for (const step of steps) {
    const { title, cmd, env } = step;
    console.log(`\n=== ${title}${cmd ? `: npx ${cmd.join(' ')}` : ''}\n`);
    const started = Date.now();
    // --no: use the repo's own binaries and never download a package of the same name.
    const code = step.run
      ? await step.run().then(
          () => 0,
          (err) => {
            console.error(err instanceof SetupError ? `[test] ${err.message}` : err);
            return 1;
          },
        )
      : await run('npx', ['--no', '--', ...cmd], { cwd: root, env: { ...process.env, ...env } });
    if (interrupted) return signalExitCode(interrupted);
    if (code !== 0) {
      log(`${title} failed (exit ${code})`);
      return code;
    }
    log(`${title} passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  log('all checks passed');
  return 0;
}

async function dropThrowaway() {
  if (!throwaway) return;
  try {
    const dropped = await dropDatabases(root, throwaway.adminUrl, throwaway.name);
    if (dropped.length > 0) log(`dropped database(s) ${dropped.join(', ')}`);
  } catch (err) {
    log(`could not drop the test database(s) ${throwaway.name}*: ${err.message}`);
  }
}

main()
  .catch((err) => {
    console.error(err instanceof SetupError ? `[test] ${err.message}` : err);
    return 1;
  })
  .then(async (code) => {
    await dropThrowaway();
    process.exit(code);
  });
