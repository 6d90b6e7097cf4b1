import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually, testRedisUrl } from '../support/test-hub';

// The real `npm start` (npm -> sh -c -> scripts/start.mjs -> the hub), on embedded PGlite in a
// temporary DATA_DIR; a signal goes to npm's process only, as a process manager would send it.
// The first run builds dist/ when it is stale, so the waits are long; none is a fixed sleep.
jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..', '..');
const started: { npm: ChildProcess; tree: number[]; dataDir: string }[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `pid` and every process under it, from /proc. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

function answers(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    (res) => res.ok,
    () => false,
  );
}

async function npmStart() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-npm-start-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `careline-npm-start-${port}`,
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: 'admin@clinic.test',
    ADMIN_PASSWORD: 'correct-horse-battery',
  };
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  npm.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const entry = { npm, tree: [npm.pid!], dataDir };
  started.push(entry);
  await eventually(() => answers(port), 540_000).catch((error) => {
    throw new Error(`npm start did not answer /healthz: ${error}\n${output.slice(-3000)}`);
  });
  // npm, its sh -c, scripts/start.mjs and the hub (its own process group, so not npm's).
  entry.tree = processTree(npm.pid!);
  expect(entry.tree.length).toBeGreaterThanOrEqual(3);
  return { port, npm, tree: entry.tree, output: () => output };
}

afterAll(() => {
  for (const { tree, dataDir } of started) {
    for (const pid of tree) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test.each(['SIGTERM', 'SIGKILL'] as const)(
  '%s to the npm start process alone stops the hub and every process under it',
  async (signal) => {
    const { port, npm, tree, output } = await npmStart();
    process.kill(npm.pid!, signal);
    await eventually(async () => !(await answers(port)) && tree.every((pid) => !isAlive(pid)), 60_000).catch(
      (error) => {
        throw new Error(
          `still running: ${tree.filter(isAlive).join(', ')} (port answers: ${String(error)})\n${output().slice(-3000)}`,
        );
      },
    );
    // Stopped through its own shutdown, not killed: it said so on the way out.
    expect(output()).toContain('shutting down: finishing in-flight requests and jobs');
  },
);
