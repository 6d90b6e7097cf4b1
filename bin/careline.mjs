#!/usr/bin/env node
// The `careline` command: contact imports and campaigns through the hub's staff API.
// Plain Node (no build step), so `npx careline` works straight from a checkout or an install;
// the hub's TypeScript is compiled only for `npm run build`, and the CLI needs nothing from it.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';

/** A failure the CLI reports as one line on stderr, with a non-zero exit. */
class CliError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const POLL_MS = 500;

/** Where the hub is and who is asking: flags first, then CARELINE_URL and CARELINE_TOKEN. */
function connection(command) {
  const options = command.optsWithGlobals();
  const base = options.url;
  if (!base) throw new CliError('no hub address: pass --url or set CARELINE_URL');
  let url;
  try {
    url = new URL(base);
  } catch {
    throw new CliError(`not a URL: ${base}`);
  }
  return { url, token: options.token, json: Boolean(options.json) };
}

function needToken(conn) {
  if (!conn.token)
    throw new CliError('no staff token: pass --token or set CARELINE_TOKEN (see `careline login`)');
  return conn.token;
}

/** The error line for an API answer that is not 2xx: the hub's `{error: {code, message}}` when it sent one. */
function apiFailure(status, text) {
  try {
    const { error } = JSON.parse(text);
    if (error?.code) return new CliError(`${error.code}: ${error.message ?? ''} (HTTP ${status})`.trim());
  } catch {
    // not JSON: fall through
  }
  return new CliError(`HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

/** One request to the API (paths under /api/v1); `body` is a JSON value or a readable stream. */
function request(conn, method, path, { body, headers = {}, auth = true } = {}) {
  const target = new URL(`${conn.url.pathname.replace(/\/$/, '')}/api/v1${path}`, conn.url);
  const transport = target.protocol === 'https:' ? https : http;
  const sendHeaders = { accept: 'application/json', ...headers };
  if (auth) sendHeaders.authorization = `Bearer ${needToken(conn)}`;
  const isStream = body && typeof body.pipe === 'function';
  let payload;
  if (body !== undefined && !isStream) {
    payload = Buffer.from(JSON.stringify(body));
    sendHeaders['content-type'] = 'application/json';
    sendHeaders['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = transport.request(target, { method, headers: sendHeaders }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode < 200 || res.statusCode >= 300) return reject(apiFailure(res.statusCode, text));
        try {
          resolve(text ? JSON.parse(text) : {});
        } catch {
          reject(new CliError(`the hub answered ${method} ${path} with something that is not JSON`));
        }
      });
    });
    req.on('error', (error) => reject(new CliError(`cannot reach ${conn.url.origin}: ${error.message}`)));
    if (isStream) {
      // The hub may answer (413, 415) before the whole file is sent: that answer is the one to report.
      pipeline(body, req).catch(() => undefined);
    } else {
      req.end(payload);
    }
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function progressBar(format) {
  return new cliProgress.SingleBar(
    { format, hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
}

function print(conn, value, lines) {
  if (conn.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

const counts = (record) =>
  Object.entries(record ?? {})
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

async function login(options, command) {
  const conn = connection(command);
  const password = process.env.CARELINE_PASSWORD;
  if (!password)
    throw new CliError(
      'set CARELINE_PASSWORD to the staff password (never a flag: it would sit in shell history)',
    );
  const res = await request(conn, 'POST', '/auth/login', {
    body: { email: options.email, password },
    auth: false,
  });
  process.stdout.write(`${res.token}\n`);
}

async function importContacts(file, options, command) {
  const conn = connection(command);
  needToken(conn);
  let size;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error.code ?? error.message}`);
  }
  // The file is streamed, never read whole; its line breaks are counted on the way to estimate the
  // rows for the progress bar (a quoted line break makes the estimate high, never the result).
  let sent = 0;
  let lineBreaks = 0;
  let lastByte = 10;
  const upload = progressBar('upload  {bar} {percentage}% | {value}/{total} bytes');
  if (!conn.json) upload.start(size, 0);
  const counter = new Transform({
    transform(chunk, _encoding, done) {
      sent += chunk.length;
      for (const byte of chunk) if (byte === 10) lineBreaks += 1;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
      if (!conn.json) upload.update(sent);
      done(null, chunk);
    },
  });
  const stream = fs.createReadStream(file).pipe(counter);
  let started;
  try {
    started = await request(conn, 'POST', `/contacts/imports${options.dryRun ? '?dryRun=true' : ''}`, {
      body: stream,
      headers: { 'content-type': 'text/csv', 'content-length': String(size) },
    });
  } finally {
    if (!conn.json) upload.stop();
  }
  if (!options.wait) return print(conn, started, [`import ${started.id} started`]);

  // Lines, less the header; a last line without a line break still counts.
  const estimate = Math.max(1, lineBreaks + (lastByte === 10 ? 0 : 1) - 1);
  const rows = progressBar('rows    {bar} {value}/{total} | rejected {rejected}');
  if (!conn.json) rows.start(estimate, 0, { rejected: 0 });
  let status;
  try {
    for (;;) {
      status = await request(conn, 'GET', `/contacts/imports/${started.id}`);
      if (!conn.json) {
        if (status.total > rows.getTotal()) rows.setTotal(status.total);
        rows.update(status.total, { rejected: status.rejected });
      }
      if (status.status !== 'running') break;
      await sleep(POLL_MS);
    }
    if (!conn.json && status.status === 'completed') rows.setTotal(status.total);
  } finally {
    if (!conn.json) rows.stop();
  }
  const errorsUrl = new URL(status.errorsUrl, conn.url).href;
  if (status.status !== 'completed') {
    if (conn.json) print(conn, status, []);
    throw new CliError(
      `import ${status.id} ${status.status}${status.failureCode ? `: ${status.failureCode}` : ''}`,
    );
  }
  print(conn, { ...status, errorsUrl }, [
    `import ${status.id} completed${status.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    `rows ${status.total}: created ${status.created}, updated ${status.updated}, rejected ${status.rejected}`,
    ...(status.rejected > 0 ? [`error report: ${errorsUrl}`] : []),
  ]);
}

async function preview(id, _options, command) {
  const conn = connection(command);
  const res = await request(conn, 'POST', `/campaigns/${encodeURIComponent(id)}/preview`, { body: {} });
  print(conn, res, [
    `recipients ${res.recipients}`,
    `by channel: ${counts(res.byChannel)}`,
    `behind a secure link ${res.securedVia}, waiting for quiet hours to end ${res.deferred}`,
    `skipped: ${counts(res.skipped)}`,
    ...res.samples.map(
      (s) => `sample (${s.channel}, ${s.locale}): ${s.subject ? `${s.subject} | ` : ''}${s.text}`,
    ),
  ]);
}

function transition(action) {
  return async (id, _options, command) => {
    const conn = connection(command);
    const res = await request(conn, 'POST', `/campaigns/${encodeURIComponent(id)}/${action}`, { body: {} });
    print(conn, res, [`campaign ${res.id} ${res.status}`]);
  };
}

const FINAL = new Set(['completed', 'cancelled']);
const decided = (stats) =>
  stats.sent + stats.failed + Object.values(stats.skipped ?? {}).reduce((sum, n) => sum + n, 0);

function statusLines(res) {
  const { stats } = res;
  return [
    `campaign ${res.id} "${res.name}" ${res.status}`,
    `recipients ${stats.recipients}: sent ${stats.sent}, delivered ${stats.delivered}, failed ${stats.failed}, waiting for quiet hours ${stats.deferred ?? 0}`,
    `replied ${stats.replied}, opted out ${stats.optedOut}`,
    // Secure links opened, reminders confirmed, appointments booked after the campaign's message.
    `link opened ${stats.linkOpened ?? 0}, confirmed ${stats.confirmed ?? 0}, booked ${stats.booked ?? 0}`,
    `skipped: ${counts(stats.skipped)}`,
  ];
}

async function status(id, options, command) {
  const conn = connection(command);
  const path = `/campaigns/${encodeURIComponent(id)}`;
  let res = await request(conn, 'GET', path);
  if (options.watch && !FINAL.has(res.status)) {
    // Until it is done (or paused, which needs a person): sent, failed and skipped of the recipients.
    const bar = progressBar('sending {bar} {value}/{total} | {status}');
    if (!conn.json) bar.start(Math.max(1, res.stats.recipients), decided(res.stats), { status: res.status });
    try {
      while (!FINAL.has(res.status) && res.status !== 'paused' && res.status !== 'draft') {
        await sleep(POLL_MS);
        res = await request(conn, 'GET', path);
        if (!conn.json) {
          bar.setTotal(Math.max(1, res.stats.recipients));
          bar.update(decided(res.stats), { status: res.status });
        }
      }
    } finally {
      if (!conn.json) bar.stop();
    }
  }
  print(conn, res, statusLines(res));
}

function buildProgram() {
  const program = new Command('careline')
    .description('Contact imports and campaigns on a CareLine hub, through its staff API.')
    .addOption(new Option('--url <url>', 'the hub, e.g. https://hub.example.org').env('CARELINE_URL'))
    .addOption(new Option('--token <token>', 'a staff token (admin or manager)').env('CARELINE_TOKEN'))
    .option('--json', 'print the API answers as JSON instead of lines')
    .showHelpAfterError();

  program
    .command('login')
    .description('print a staff token for CARELINE_TOKEN; the password is read from CARELINE_PASSWORD')
    .requiredOption('--email <email>', 'the staff email')
    .action(login);

  const contacts = program.command('contacts').description('contacts in bulk');
  contacts
    .command('import')
    .description(
      'import a CSV of contacts (name, phone, email, dateOfBirth, language, timeZone, externalId, tags)',
    )
    .argument('<file>', 'the CSV file')
    .option('--dry-run', 'report what would change, change nothing')
    .option('--no-wait', 'print the import id and return without waiting for the result')
    .action(importContacts);

  const campaign = program.command('campaign').description('campaigns (admins and managers)');
  campaign
    .command('preview')
    .argument('<id>')
    .description('who would get what, nothing sent')
    .action(preview);
  for (const action of ['start', 'pause', 'resume', 'cancel']) {
    campaign
      .command(action)
      .argument('<id>')
      .description(`${action} the campaign`)
      .action(transition(action));
  }
  campaign
    .command('status')
    .argument('<id>')
    .option('--watch', 'show a progress bar until the campaign completes, pauses or is cancelled')
    .description("the campaign's state and figures")
    .action(status);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`careline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
