#!/usr/bin/env node
// `careline`: the hub's staff API from a terminal, for contact imports and campaigns.
//   careline contacts import FILE.csv [--dry-run]
//   careline campaign preview|start|pause|resume|cancel|status ID
// CARELINE_URL (default http://localhost:3000) names the hub; CARELINE_TOKEN is a staff bearer token
// (POST /api/v1/auth/login). A failure exits non-zero with the hub's error code and message.
import fs from 'node:fs';
import { Readable } from 'node:stream';

const baseUrl = (process.env.CARELINE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const token = process.env.CARELINE_TOKEN;

class CliError extends Error {}

function usage() {
  return [
    'usage:',
    '  careline contacts import FILE.csv [--dry-run]',
    '  careline campaign preview|start|pause|resume|cancel|status ID',
    'environment: CARELINE_URL (default http://localhost:3000), CARELINE_TOKEN (a staff token)',
  ].join('\n');
}

async function call(method, path, init = {}) {
  if (!token) throw new CliError('CARELINE_TOKEN is not set: log in with POST /api/v1/auth/login');
  let res;
  try {
    res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...init.headers },
    });
  } catch (error) {
    throw new CliError(`cannot reach ${baseUrl}: ${error.cause?.code ?? error.message}`);
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text };
  }
  if (!res.ok) {
    const error = body.error ?? {};
    throw new CliError(`${res.status} ${error.code ?? 'error'}: ${error.message ?? text.slice(0, 200)}`);
  }
  return body;
}

/** One line redrawn in place on a terminal; plain lines when the output is a file or a pipe. */
function progress(label, done, total) {
  const width = 30;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const bar = `${'#'.repeat(Math.round(ratio * width))}${'-'.repeat(width - Math.round(ratio * width))}`;
  const line = `${label} [${bar}] ${done}/${total}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else console.log(line);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function importContacts(file, dryRun) {
  if (!file) throw new CliError(usage());
  let size;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new CliError(`no such file: ${file}`);
  }
  // Streamed: the file is never read whole into memory.
  const started = await call('POST', `/contacts/imports${dryRun ? '?dryRun=true' : ''}`, {
    headers: { 'Content-Type': 'text/csv', 'Content-Length': String(size) },
    body: Readable.toWeb(fs.createReadStream(file)),
    duplex: 'half',
  });
  for (;;) {
    const status = await call('GET', `/contacts/imports/${started.id}`);
    const handled = status.created + status.updated + status.rejected;
    progress(dryRun ? 'dry run' : 'import', handled, Math.max(handled, status.total));
    if (status.status !== 'running') {
      if (process.stdout.isTTY) process.stdout.write('\n');
      console.log(
        `${status.status}: ${status.total} rows, ${status.created} created, ${status.updated} updated, ${status.rejected} rejected${dryRun ? ' (dry run: nothing changed)' : ''}`,
      );
      if (status.rejected > 0) console.log(`errors: ${baseUrl}${status.errorsUrl}`);
      if (status.status === 'failed') throw new CliError(`import failed: ${status.failureCode ?? 'unknown'}`);
      return;
    }
    await sleep(500);
  }
}

function printStats(campaign) {
  const s = campaign.stats;
  console.log(`${campaign.name}: ${campaign.status}`);
  console.log(
    `recipients ${s.recipients}, sent ${s.sent}, delivered ${s.delivered}, failed ${s.failed}, replied ${s.replied}, opted out ${s.optedOut}`,
  );
  const skipped = Object.entries(s.skipped);
  if (skipped.length) console.log(`skipped: ${skipped.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
}

async function campaign(action, id) {
  if (!id || !['preview', 'start', 'pause', 'resume', 'cancel', 'status'].includes(action)) {
    throw new CliError(usage());
  }
  if (action === 'preview') {
    const p = await call('POST', `/campaigns/${id}/preview`, {
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    console.log(`recipients ${p.recipients}`);
    for (const [channel, n] of Object.entries(p.byChannel)) console.log(`  by ${channel}: ${n}`);
    console.log(`  behind a secure link: ${p.securedVia}, deferred by quiet hours: ${p.deferred}`);
    for (const [reason, n] of Object.entries(p.skipped)) console.log(`  skipped (${reason}): ${n}`);
    return;
  }
  if (action === 'status') {
    const c = await call('GET', `/campaigns/${id}`);
    // On a terminal, follow a running campaign until it ends.
    if (process.stdout.isTTY && (c.status === 'running' || c.status === 'scheduled')) {
      for (let current = c; ; current = await call('GET', `/campaigns/${id}`)) {
        const decided =
          current.stats.sent +
          current.stats.failed +
          Object.values(current.stats.skipped).reduce((a, b) => a + b, 0);
        progress(current.status, decided, current.stats.recipients);
        if (current.status !== 'running' && current.status !== 'scheduled') break;
        await sleep(1000);
      }
      process.stdout.write('\n');
      printStats(await call('GET', `/campaigns/${id}`));
      return;
    }
    printStats(c);
    return;
  }
  const c = await call('POST', `/campaigns/${id}/${action}`, {
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  console.log(`${c.name}: ${c.status}`);
}

async function main(argv) {
  const [group, command, ...rest] = argv;
  if (group === 'contacts' && command === 'import') {
    return importContacts(
      rest.find((a) => !a.startsWith('--')),
      rest.includes('--dry-run'),
    );
  }
  if (group === 'campaign') return campaign(command, rest[0]);
  throw new CliError(usage());
}

main(process.argv.slice(2)).catch((error) => {
  if (process.stdout.isTTY) process.stdout.write('\n');
  console.error(error instanceof CliError ? error.message : error);
  process.exit(1);
});
