// Make sure a Redis server answers before the hub or the tests use it.
// Redis speaks a plain-text protocol, so a PING needs nothing more than a socket.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { aptInstall, hasCommand, isRoot, redact, SetupError, sleep } from './proc.mjs';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Encode one command in RESP, Redis's wire format. */
const resp = (words) =>
  `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

/**
 * Connect, AUTH when the URL has a password, and PING.
 * Resolves { ok: true } on PONG; otherwise { ok: false, answered, reason } where `answered` tells
 * "a Redis is there but said no" (e.g. NOAUTH) apart from "nothing listens".
 */
export function pingRedis(url, timeoutMs = 2000) {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const commands = [];
  if (u.password) {
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    commands.push(user ? ['AUTH', user, password] : ['AUTH', password]);
  }
  commands.push(['PING']);

  return new Promise((resolve) => {
    const secure = u.protocol === 'rediss:';
    const socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    let buffer = '';
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, answered: false, reason: 'no answer' }), timeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(commands.map(resp).join('')));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      // Every reply to AUTH and PING is a one-line status or error.
      const lines = buffer.split('\r\n').slice(0, -1);
      const error = lines.find((l) => l.startsWith('-'));
      if (error) finish({ ok: false, answered: true, reason: error.slice(1) });
      else if (lines.length >= commands.length) {
        const last = lines[commands.length - 1];
        finish(
          last === '+PONG' ? { ok: true } : { ok: false, answered: true, reason: `unexpected reply ${last}` },
        );
      }
    });
    socket.on('error', (err) => finish({ ok: false, answered: false, reason: err.code ?? err.message }));
  });
}

/** Poll PING until it answers or `timeoutMs` passes. */
async function waitForPong(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  do {
    last = await pingRedis(url, 1000);
    if (last.ok) return last;
    await sleep(200);
  } while (Date.now() < deadline);
  return last;
}

/**
 * Ensure a Redis answers on 127.0.0.1:`port`, starting a private `redis-server` when nothing does
 * (and, as root on Debian, installing the redis-server package first).
 * The private server keeps no snapshot or AOF: Redis only carries jobs here, Postgres is the source of truth.
 */
export async function ensureLocalRedis({ port = 6379, dir, log }) {
  const url = `redis://127.0.0.1:${port}`;
  const first = await pingRedis(url);
  if (first.ok) return url;
  if (first.answered) {
    throw new SetupError(
      `Something answers at ${url} but refuses PING (${first.reason}): set REDIS_URL with its password.`,
    );
  }

  if (!hasCommand('redis-server')) {
    if (!isRoot() || !hasCommand('apt-get')) {
      throw new SetupError(
        `Redis is not running at ${url} and redis-server is not installed: run \`sudo apt-get install redis-server\` or set REDIS_URL.`,
      );
    }
    await aptInstall(['redis-server'], log);
    // On a machine with systemd the package starts its own service on 6379; use it if it is ours to use.
    if ((await waitForPong(url, 2000)).ok) return url;
  }

  fs.mkdirSync(dir, { recursive: true });
  const logfile = path.join(dir, `redis-${port}.log`);
  log(`starting redis-server on port ${port} (data and log in ${dir})`);
  // `-::1`: listen on IPv6 loopback too, but do not fail on machines without IPv6.
  // --pidfile: a daemonized redis otherwise writes /var/run/redis_<port>.pid, which a normal user cannot.
  const r = spawnSync(
    'redis-server',
    [
      ...['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(port)],
      ...['--save', '', '--appendonly', 'no', '--dir', dir],
      ...['--logfile', logfile, '--pidfile', path.join(dir, `redis-${port}.pid`)],
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new SetupError(`redis-server failed to start on port ${port}; see ${logfile}.`);

  const pong = await waitForPong(url, 15000);
  if (!pong.ok) {
    throw new SetupError(
      `redis-server was started on port ${port} but did not answer PING within 15 s; see ${logfile}.`,
    );
  }
  return url;
}

/**
 * Ensure Redis answers at REDIS_URL.
 * - `explicit` (the user set REDIS_URL): never start anything, that server is theirs to run.
 * - otherwise (the default local URL): start/install a local redis-server as needed.
 */
export async function ensureRedis({ url, explicit, dir, log }) {
  const result = await pingRedis(url);
  if (result.ok) {
    log(`Redis answers at ${redact(url)}`);
    return url;
  }
  if (result.answered) {
    throw new SetupError(
      `Redis at ${redact(url)} refused PING (${result.reason}): check the password in REDIS_URL.`,
    );
  }
  const u = new URL(url);
  if (explicit || !LOCAL_HOSTS.has(u.hostname.replace(/^\[(.*)\]$/, '$1'))) {
    throw new SetupError(
      `Redis is not answering at ${redact(url)} (${result.reason}): start it there, or unset REDIS_URL to use a local Redis.`,
    );
  }
  log(`nothing answers at ${url}`);
  await ensureLocalRedis({ port: Number(u.port || 6379), dir, log });
  log(`Redis answers at ${url}`);
  return url;
}

/**
 * Redis for a script: `REDIS_URL` when set (it must answer), else the default local one, started or
 * installed when needed. Exports the URL as REDIS_URL for child processes and returns it.
 */
export async function ensureRedisFromEnv(root, log) {
  const explicit = Boolean(process.env.REDIS_URL);
  const url = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  await ensureRedis({ url, explicit, dir: path.join(root, 'data', 'redis'), log });
  process.env.REDIS_URL = url;
  return url;
}
