// `npm start`: get a fresh clone (or a pulled one) running with one command.
//   1. install dependencies when node_modules is missing or stale
//   2. build when dist/ is missing or older than the sources, and the staff pages (dist/web) when
//      they are missing or older than web/
//   3. read .env (without overriding the real environment)
//   4. make sure Redis answers (start/install a local one when REDIS_URL is not set)
//   5. run dist/src/main.js in the foreground
// PostgreSQL needs nothing here: without DATABASE_URL the hub uses embedded PGlite under DATA_DIR.
// Only Node built-ins: this runs before `npm install`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild, ensureDeps } from './lib/deps.mjs';
import { loadDotEnv } from './lib/dotenv.mjs';
import {
  makeLog,
  processesToOutlive,
  SetupError,
  signalChildren,
  signalExitCode,
  whenAnyExits,
} from './lib/proc.mjs';
import { ensureRedisFromEnv } from './lib/redis.mjs';
import { ensureWebBuild } from './lib/web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = makeLog('start');
let hub = null;

// Under `npm start`, a SIGTERM (or SIGKILL) to npm's process never reaches us: npm does not pass it
// on, its `sh -c` dies, and we would run on as an orphan. Their end counts as our SIGTERM.
whenAnyExits(processesToOutlive(), () => {
  log('npm start was stopped: stopping the hub');
  if (hub) {
    hub.kill('SIGTERM');
  } else {
    signalChildren('SIGTERM');
    process.exit(signalExitCode('SIGTERM'));
  }
});

async function prepare() {
  await ensureDeps(root, log);
  await ensureBuild(root, log);
  await ensureWebBuild(root, log);
  // After install/build on purpose: a NODE_ENV=production in .env must not make npm skip the build tools.
  const loaded = loadDotEnv(path.join(root, '.env'));
  if (loaded.length > 0) log(`read ${loaded.length} variable(s) from .env`);

  await ensureRedisFromEnv(root, log);
}

/**
 * Run the hub with our stdio, pass signals on (so Ctrl-C / docker stop shut it down cleanly), mirror its exit.
 * The hub gets its own process group so each Ctrl-C reaches it exactly once, through us: otherwise the terminal
 * signals it directly, we forward a second copy, and under `npm start` npm forwards a third. Copies of the same
 * signal that arrive within a second are one event; a later Ctrl-C (to hurry a slow shutdown) is passed on again.
 */
function runHub() {
  log('starting the hub: node dist/src/main.js');
  const child = spawn(process.execPath, [path.join('dist', 'src', 'main.js'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    detached: true,
  });
  hub = child;
  const lastForwarded = {};
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (Date.now() - (lastForwarded[signal] ?? 0) < 1000) return;
      lastForwarded[signal] = Date.now();
      child.kill(signal);
    });
  }
  // Should this script die for another reason, do not leave the hub running on its own.
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  child.on('error', (err) => {
    console.error(`[start] could not run the hub: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? signalExitCode(signal)));
}

prepare().then(runHub, (err) => {
  console.error(err instanceof SetupError ? `[start] ${err.message}` : err);
  process.exit(1);
});
