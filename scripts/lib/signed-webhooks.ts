// Inbound SMS webhooks as Twilio posts them, for the benchmarks that load the hub's webhook endpoint
// (bench-campaign-load, bench-webhook-cost): signed in advance so the load generator spends its time
// sending, and posted either open loop at a rate (as a provider sends, latency from each one's due
// time so queueing shows) or one at a time.
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { messageSid, twilioSignature } from '../../test/support/twilio-signing';

/** The public URL and clinic number the benchmark hubs are configured with. */
export const BENCH_PUBLIC_URL = 'https://bench.clinic.test';
export const BENCH_CLINIC_NUMBER = '+14155550100';

/** Seeded contact n's number: +1 415 2xx xxxx, a valid US number for any n up to 7,999,999. */
export const benchPhoneOf = (n: number) => `+1415${2_000_000 + n}`;

export interface SignedWebhook {
  sid: string;
  body: string;
  signature: string;
}

/** `count` webhooks, each from a random one of the seeded contacts 1..contacts. */
export function signedWebhooks(
  count: number,
  contacts: number,
  twilio: { accountSid: string; authToken: string },
): SignedWebhook[] {
  const url = `${BENCH_PUBLIC_URL}/webhooks/twilio/sms`;
  return Array.from({ length: count }, (_, i) => {
    const params = {
      AccountSid: twilio.accountSid,
      Body: `Hi, can I move my appointment to next week? (${i})`,
      From: benchPhoneOf(1 + Math.floor(Math.random() * contacts)),
      MessageSid: messageSid(),
      NumMedia: '0',
      To: BENCH_CLINIC_NUMBER,
    };
    return {
      sid: params.MessageSid,
      body: new URLSearchParams(params).toString(),
      signature: twilioSignature(twilio.authToken, url, params),
    };
  });
}

/** Posts one webhook; resolves with the answer's status once its last byte arrived (0: no answer). */
function post(agent: http.Agent, hubUrl: URL, webhook: SignedWebhook): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        hostname: hubUrl.hostname,
        port: hubUrl.port,
        method: 'POST',
        path: '/webhooks/twilio/sms',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(webhook.body),
          'x-twilio-signature': webhook.signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(webhook.body);
  });
}

export interface LoadResult {
  /** Sorted, ms. */
  latencies: number[];
  /** Each answered webhook's due time (epoch ms) and latency, in due order: for timelines. */
  timed: { at: number; ms: number }[];
  /** The MessageSids answered with a 2xx. */
  ok: string[];
  failed: number;
  /** Seconds from the first due time to the last answer. */
  elapsed: number;
  /** The load generator's own longest event-loop stall (ms): it counts in the latencies. */
  generatorStallMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isOk = (status: number) => status >= 200 && status < 300;

/**
 * Open loop: each webhook at its due time (`rate` per second) whatever happened to the earlier ones,
 * over keep-alive connections; each latency runs from the due time to the answer's last byte.
 */
export async function postAtRate(
  hubUrl: string,
  webhooks: SignedWebhook[],
  rate: number,
): Promise<LoadResult> {
  const url = new URL(hubUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const latencies: number[] = [];
  const timed: { at: number; ms: number }[] = [];
  const ok: string[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const generatorDelay = monitorEventLoopDelay({ resolution: 5 });
  generatorDelay.enable();
  const started = performance.now();
  const startedAt = Date.now();
  for (let i = 0; i < webhooks.length; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const webhook = webhooks[i]!;
    pending.push(
      post(agent, url, webhook).then((status) => {
        if (status === 0) {
          failed += 1;
          return;
        }
        const ms = performance.now() - due;
        latencies.push(ms);
        timed.push({ at: startedAt + (i * 1000) / rate, ms });
        if (isOk(status)) ok.push(webhook.sid);
        else failed += 1;
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  generatorDelay.disable();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  timed.sort((a, b) => a.at - b.at);
  return { latencies, timed, ok, failed, elapsed, generatorStallMs: generatorDelay.max / 1e6 };
}

/**
 * `postAtRate` in a child process (scripts/lib/webhook-load-process.ts), so that what the calling
 * process does meanwhile (a Twilio stand-in answering the hub's sends, sampling PostgreSQL) cannot
 * stall the generator: a stall there delays every webhook due in it, and the open loop counts that
 * delay as the hub's latency. The child inherits this process's loader (tsx).
 */
export function postAtRateApart(
  hubUrl: string,
  webhooks: SignedWebhook[],
  rate: number,
): Promise<LoadResult> {
  const child = fork(path.join(__dirname, 'webhook-load-process.ts'));
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load generator exited (${code}) without a result`)));
    child.send({ hubUrl, webhooks, rate });
  });
}

/** One webhook at a time, each posted when the answer to the one before has arrived. */
export async function postInTurn(
  hubUrl: string,
  webhooks: SignedWebhook[],
): Promise<Pick<LoadResult, 'latencies' | 'ok' | 'failed' | 'elapsed'>> {
  const url = new URL(hubUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const ok: string[] = [];
  let failed = 0;
  const started = performance.now();
  for (const webhook of webhooks) {
    const t = performance.now();
    const status = await post(agent, url, webhook);
    latencies.push(performance.now() - t);
    if (isOk(status)) ok.push(webhook.sid);
    else failed += 1;
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, ok, failed, elapsed: (performance.now() - started) / 1000 };
}
