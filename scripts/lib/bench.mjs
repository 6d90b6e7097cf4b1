// Pieces shared by the HTTP benchmarks (bench-ingest, bench-inbox): argument parsing, Twilio-signed
// inbound SMS webhooks, child processes for the hub and the baseline, and the machine line.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** `--seconds 10 --rate 500` → { seconds: '10', rate: '500' }. */
export function parseArgs(argv) {
  return Object.fromEntries(
    argv
      .join(' ')
      .split('--')
      .filter(Boolean)
      .map((pair) => pair.trim().split(/\s+/)),
  );
}

/** Signs and builds inbound SMS webhooks the way Twilio would post them to `${publicUrl}/webhooks/twilio/sms`. */
export function twilioWebhooks({ publicUrl, authToken, senders = 5000, clinicNumber = '+14155550100' }) {
  const accountSid = `AC${crypto.randomBytes(16).toString('hex')}`;
  const url = `${publicUrl}/webhooks/twilio/sms`;
  // Twilio's signature: HMAC-SHA1 of URL + each sorted key and value, base64.
  const sign = (params) =>
    crypto
      .createHmac('sha1', authToken)
      .update(
        Buffer.from(
          Object.keys(params)
            .sort()
            .reduce((acc, key) => acc + key + params[key], url),
          'utf-8',
        ),
      )
      .digest('base64');
  let sequence = 0;
  return function next() {
    sequence += 1;
    const params = {
      AccountSid: accountSid,
      Body: `Hi, can I move my appointment to next week? (${sequence})`,
      From: `+1415555${String(1000 + (sequence % senders)).padStart(4, '0')}`,
      MessageSid: `SM${crypto.randomBytes(16).toString('hex')}`,
      NumMedia: '0',
      To: clinicNumber,
    };
    return {
      sid: params.MessageSid,
      method: 'POST',
      path: '/webhooks/twilio/sms',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(params),
      },
      body: new URLSearchParams(params).toString(),
    };
  };
}

/** A node process of ours (the hub, the baseline); stderr is shown with a label, stdout dropped. */
export function startNodeProcess({ root, label, file, env, nodeArgs = [] }) {
  const child = spawn(process.execPath, [...nodeArgs, file], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => process.stderr.write(`[${label}] ${d}`));
  return child;
}

export async function waitForUrl(url, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

export function machineLine() {
  const cpus = os.cpus();
  return `Machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** Percentile of a sorted array of numbers (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The built hub (dist/) as the benchmarks run it: production mode, warnings only, its own queue prefix. */
export function startBenchHub({
  root,
  port,
  publicUrl,
  databaseUrl,
  redisUrl,
  authToken,
  admin,
  queuePrefix,
  runWorkers,
  profileDir,
}) {
  return startNodeProcess({
    root,
    label: 'hub',
    file: path.join(root, 'dist', 'src', 'main.js'),
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      TWILIO_AUTH_TOKEN: authToken,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      QUEUE_PREFIX: queuePrefix,
      RUN_WORKERS: String(runWorkers),
    },
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An open-loop load: posts `next()` webhooks at `rate` per second for `seconds`, each at its own due
 * time, whether or not earlier ones were answered (as a provider sends them). Returns the send time
 * of each by sid, the answers, and each answer's latency counted from its due time, so that a hub
 * that falls behind shows it in the latency instead of receiving fewer requests (no coordinated
 * omission, and no bursts at the start of each second as with autocannon's rate option).
 */
export async function postAtRate(url, next, rate, seconds) {
  const sentAt = new Map();
  const answers = { ok: 0, failed: 0 };
  const ackLatencies = [];
  const pending = [];
  const started = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const request = next();
    sentAt.set(request.sid, performance.now());
    pending.push(
      fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body })
        .then(async (res) => {
          await res.arrayBuffer();
          ackLatencies.push(performance.now() - due);
          if (res.ok) answers.ok += 1;
          else answers.failed += 1;
        })
        .catch(() => {
          answers.failed += 1;
        }),
    );
  }
  await Promise.all(pending);
  ackLatencies.sort((a, b) => a - b);
  return { sentAt, answers, ackLatencies, elapsed: (performance.now() - started) / 1000 };
}

/**
 * Removes what a benchmark's hub left in Redis under its queue prefix (tens of thousands of queued
 * jobs no worker took), so runs do not pile up in a Redis that keeps everything in memory.
 */
export async function deleteRedisKeys(redisUrl, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
