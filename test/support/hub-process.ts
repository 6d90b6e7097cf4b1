import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');

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
  const entry = options.compiled
    ? [path.join(ROOT, 'dist', 'src', 'main.js')]
    : ['--import', 'tsx', path.join(ROOT, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
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
