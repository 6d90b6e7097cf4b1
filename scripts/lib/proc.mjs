// Small process helpers shared by start.mjs and test.mjs.
// Only Node built-ins: these scripts run before `npm install`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A setup problem the user can fix; the message is printed as one sentence, without a stack trace. */
export class SetupError extends Error {}

/** A logger that prefixes every line with the script name, so our lines stand out from npm/tsc/jest output. */
export function makeLog(name) {
  return (message) => console.log(`[${name}] ${message}`);
}

/** True when `bin` is an executable file on PATH (like `command -v`, without a shell). */
export function hasCommand(bin) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, bin), fs.constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

// Children started by run(), so a SIGTERM sent to this script alone can be passed on to them.
const running = new Set();

/** Send `signal` to every child run() has started and that is still running. */
export function signalChildren(signal) {
  for (const child of running) child.kill(signal);
}

/** Run a command with inherited stdio and resolve with its exit code (128 + signal number when killed). */
export function run(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: 'inherit' });
    running.add(child);
    child.on('error', (err) => {
      running.delete(child);
      console.error(`Could not run ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signalExitCode(signal));
    });
  });
}

/** Run a command quietly and return { status, stdout, stderr } (for short probes such as pg_lsclusters). */
export function runQuiet(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

/** Shell convention for a process killed by a signal: 128 + its number (SIGINT -> 130). */
export function signalExitCode(signal) {
  const numbers = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (numbers[signal] ?? 1);
}

/** Install Debian packages (root only); non-interactive so a debconf prompt can never hang a CI run. */
export async function aptInstall(packages, log) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing ${packages.join(' ')} with apt-get`);
  if ((await run('apt-get', ['update'], { env })) !== 0) {
    throw new SetupError('`apt-get update` failed, so the missing packages could not be installed.');
  }
  if ((await run('apt-get', ['install', '-y', ...packages], { env })) !== 0) {
    throw new SetupError(`\`apt-get install -y ${packages.join(' ')}\` failed.`);
  }
}

/** Hide the password of a URL before printing it. */
export function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The parent pid of `pid` from /proc (Linux), or null when it is gone or /proc is not there. */
function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * The processes whose end must end us: our parent, and, under `npm start`, npm itself. npm 10+
 * neither passes a SIGTERM it gets on to the script (its `sh -c` dies and we are orphaned), nor
 * can it pass a SIGKILL on, so watching for them to go is the only way every signal that reaches
 * npm's process stops the hub. The user's shell is not watched: `nohup npm start &` must outlive it.
 */
export function processesToOutlive() {
  const pids = [process.ppid];
  if (process.env.npm_lifecycle_event) {
    for (let pid = process.ppid, hops = 0; pid > 1 && hops < 4; pid = parentOf(pid) ?? 0, hops += 1) {
      // npm renames its process to `npm start`; run as `node …/npm-cli.js start` before it does.
      if (commandLineOf(pid).some((arg) => /(^|\/)npm(-cli\.js)?( |$)/.test(arg))) {
        if (pid !== process.ppid) pids.push(pid);
        break;
      }
    }
  }
  return pids;
}

/** Calls `onGone` once, when any of `pids` has exited (checked every `intervalMs`). */
export function whenAnyExits(pids, onGone, intervalMs = 500) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    // Our own parent: reparenting is the sure sign (its pid could be reused by then).
    const gone = process.ppid !== parent || pids.some((pid) => pid !== parent && !isAlive(pid));
    if (!gone) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
