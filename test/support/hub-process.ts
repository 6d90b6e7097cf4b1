import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');

/** What a hub process needs to run against the Twilio stand-in (or any Twilio-like account). */
export interface HubEnvInput {
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** Keeps this hub's queues apart from any other's on the same Redis. */
  queuePrefix?: string;
  admin?: { email: string; password: string };
  twilio: { accountSid: string; authToken: string; url: string };
  /** The clinic's SMS number, TWILIO_FROM_NUMBER. */
  fromNumber: string;
}

/**
 * The environment of a hub process wired to one database, one Redis and a Twilio stand-in, as
 * production configures it: one block for the benchmarks and the crash test, so a variable added
 * to the hub's contract is added here once. `extra` (rates, sweeps, NODE_ENV) goes on top.
 */
export function hubEnv(input: HubEnvInput, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL: input.publicUrl,
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: input.redisUrl,
    ...(input.queuePrefix ? { QUEUE_PREFIX: input.queuePrefix } : {}),
    ...(input.admin ? { ADMIN_EMAIL: input.admin.email, ADMIN_PASSWORD: input.admin.password } : {}),
    TWILIO_ACCOUNT_SID: input.twilio.accountSid,
    TWILIO_AUTH_TOKEN: input.twilio.authToken,
    TWILIO_FROM_NUMBER: input.fromNumber,
    TWILIO_API_URL: input.twilio.url,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface HubProcess {
  child: ChildProcess;
  /** http://127.0.0.1:port of the process. */
  url: string;
  /** SIGTERM, then waits for the process to exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  /** Run dist/src/main.js (built by `tsc -p tsconfig.build.json`), as `npm start` does, not the sources. */
  compiled?: boolean;
  /** Node options before the entry: a benchmark's `--import` of a probe, `--cpu-prof`. */
  nodeArgs?: string[];
  /**
   * A session of its own (setsid), as a service runs: with autogroup scheduling the kernel shares
   * the CPU per session, and a hub in its caller's session shares one share with a load generator.
   * The caller must stop it: it outlives a caller that dies.
   */
  ownSession?: boolean;
  /** Another checkout to run the hub from (its dist/ or src/): a benchmark alternating two trees. */
  root?: string;
}

/**
 * A hub as its own OS process: `node --import tsx src/main.ts` (or the compiled dist/src/main.js),
 * configured only by environment as in production. It listens on a port of its own choosing
 * (PORT=0) and says which in its `hub listening` log line, the one line of stdout read here.
 */
export async function startHubProcess(
  env: Record<string, string>,
  ms = 60_000,
  options: HubProcessOptions = {},
): Promise<HubProcess> {
  const root = options.root ? path.resolve(options.root) : ROOT;
  const entry = options.compiled
    ? [path.join(root, 'dist', 'src', 'main.js')]
    : ['--import', 'tsx', path.join(root, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownSession ?? false,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the hub process did not start in ${ms} ms: ${stderr}`)),
      ms,
    );
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'hub listening' && entry.port) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${entry.port}`);
        }
      } catch {
        // Not a log line (the first-admin banner): ignored.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the hub process exited with ${code} before listening: ${stderr}`));
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout!.resume();
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}
