import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitForPort } from './free-port';

/** A redis-server of the crash test's own, on a free port, keeping nothing on disk (as the machine's). */
export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL: everything Redis held (queued jobs, streams) is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** `extraArgs` go to redis-server as they are (e.g. `--maxmemory-policy allkeys-lru`). */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, kill, start, destroy: kill };
}
