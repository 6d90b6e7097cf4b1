// PostgreSQL for the test run: find (or start, or install) a server, then make and drop throwaway databases.
// Connectivity is checked with the `pg` package from the repo's node_modules rather than psql,
// because a client machine may have Node but no psql; so call these only after ensureDeps().
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { aptInstall, hasCommand, isRoot, redact, run, runQuiet, SetupError, sleep } from './proc.mjs';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
// Debian's pg_hba.conf wants a password over TCP; this is the one we give role postgres when we install it.
export const INSTALLED_PG_URL = 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03']);

/** The `pg` module installed in the repo (these scripts are ESM outside node_modules' resolution path). */
export function loadPg(root) {
  return createRequire(path.join(root, 'package.json'))('pg');
}

/** Run `fn(client)` on a short-lived connection. */
async function withClient(pg, url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {}); // a server going away mid-cleanup must not crash the script
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** { ok } or { ok: false, answered, reason }; `answered` = a server is there but refused us (auth, no db...). */
async function probe(pg, url) {
  try {
    await withClient(pg, url, (c) => c.query('SELECT 1'));
    return { ok: true };
  } catch (err) {
    const notListening = NOT_LISTENING.has(err.code) || /timeout/i.test(err.message);
    return { ok: false, answered: !notListening, reason: err.message || err.code };
  }
}

/** Try each URL; return the first that works, or the most informative failure. */
async function firstUsable(pg, urls) {
  let failure;
  for (const url of urls) {
    const r = await probe(pg, url);
    if (r.ok) return { url };
    if (!failure || (r.answered && !failure.answered)) failure = r;
  }
  return failure;
}

/**
 * Start the Debian cluster(s) configured for `port`; when the machine has no cluster at all (package installed,
 * cluster dropped) and we are root, create one. Exported for a manual check; ensureTestPostgres() is the entry.
 */
export async function startClusters(port, log) {
  const all = runQuiet('pg_lsclusters', ['-h'])
    .stdout.split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4);
  const clusters = all.filter((f) => Number(f[2]) === port);
  if (clusters.length === 0) {
    const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : [];
    const version = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
    if (all.length > 0 || !isRoot() || !version) {
      throw new SetupError(
        `PostgreSQL is installed but no cluster uses port ${port}: create or start one (see pg_lsclusters) or set TEST_DATABASE_URL.`,
      );
    }
    log(`creating PostgreSQL cluster ${version}/main`);
    if ((await run('pg_createcluster', ['--start', '--port', String(port), version, 'main'])) !== 0) {
      throw new SetupError(`\`pg_createcluster ${version} main\` failed; see the output above.`);
    }
    return;
  }
  for (const [version, name, , status] of clusters) {
    if (status === 'online') continue;
    log(`starting PostgreSQL cluster ${version}/${name}`);
    // Without systemd this starts postgres directly; with systemd pg_ctlcluster hands over to the unit.
    if ((await run('pg_ctlcluster', [version, name, 'start'])) !== 0) {
      throw new SetupError(
        `PostgreSQL ${version}/${name} is not running and could not be started: run \`sudo pg_ctlcluster ${version} ${name} start\` or set TEST_DATABASE_URL.`,
      );
    }
  }
}

/**
 * Return a URL of a PostgreSQL server on which the tests may create databases.
 * - TEST_DATABASE_URL given: use it as is, never start anything.
 * - otherwise: the local default; start its cluster when stopped; install postgresql (root only) when absent.
 */
export async function ensureTestPostgres({ root, url, log }) {
  const pg = loadPg(root);
  if (url) {
    const r = await probe(pg, url);
    if (!r.ok)
      throw new SetupError(`PostgreSQL at TEST_DATABASE_URL (${redact(url)}) is not usable: ${r.reason}.`);
    log(`PostgreSQL answers at ${redact(url)}`);
    return url;
  }

  const candidates = [DEFAULT_PG_URL, INSTALLED_PG_URL];
  let found = await firstUsable(pg, candidates);
  if (!found.url && !found.answered) {
    let installed = false;
    if (!hasCommand('pg_ctlcluster')) {
      if (!isRoot() || !hasCommand('apt-get')) {
        throw new SetupError(
          'PostgreSQL is not running at 127.0.0.1:5432 and is not installed: run `sudo apt-get install postgresql` or set TEST_DATABASE_URL.',
        );
      }
      await aptInstall(['postgresql'], log);
      installed = true;
    }
    await startClusters(5432, log);
    if (installed) {
      // Peer auth over the local socket lets the postgres OS user set a password usable over TCP.
      const code = await run('runuser', [
        '-u',
        'postgres',
        '--',
        'psql',
        '-c',
        "ALTER ROLE postgres PASSWORD 'postgres'",
      ]);
      if (code !== 0)
        throw new SetupError('Could not set a password for PostgreSQL role postgres; see the output above.');
    }
    const deadline = Date.now() + 30000;
    do {
      found = await firstUsable(pg, candidates);
      if (found.url || found.answered) break;
      await sleep(500);
    } while (Date.now() < deadline);
  }
  if (!found.url) {
    throw new SetupError(
      found.answered
        ? `PostgreSQL answers at 127.0.0.1:5432 but refused user postgres (${found.reason}): set TEST_DATABASE_URL to a URL whose user may create databases.`
        : `PostgreSQL did not come up at 127.0.0.1:5432 (${found.reason}): check the logs in /var/log/postgresql or set TEST_DATABASE_URL.`,
    );
  }
  log(`PostgreSQL answers at ${redact(found.url)}`);
  return found.url;
}

/** `careline_test_<yyyymmddhhmmss>_<pid>`: unique per run, and recognisable so leftovers are easy to spot. */
export function throwawayName(now = new Date()) {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `careline_test_${stamp}_${process.pid}`;
}

/** Create database `name` on the server of `adminUrl` and return a URL pointing at it. */
export async function createDatabase(root, adminUrl, name) {
  await withClient(loadPg(root), adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drop every database whose name starts with `prefix` (the run's own and any the tests made). */
export async function dropDatabases(root, adminUrl, prefix) {
  return withClient(loadPg(root), adminUrl, async (c) => {
    // `_` is a LIKE wildcard: escape it so only names that really start with the prefix match.
    const pattern = `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
    const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern]);
    const names = rows.map((r) => r.datname).filter((n) => n.startsWith(prefix));
    for (const name of names) {
      // WITH (FORCE) (PostgreSQL 13+) ends connections a crashed or interrupted test left open.
      await c.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    }
    return names;
  });
}
