import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// `npm run db:generate` diffs src/platform/db/schema.ts against the newest snapshot in drizzle/meta. When a
// migration is hand-written without its snapshot, the next generate repeats old changes in a new
// migration. drizzle-kit's own generate runs here on a copy of drizzle/, so the repository is never
// written: on the unchanged schema it must find nothing to do.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
let copy: string;

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-drizzle-'));
  fs.cpSync(path.join(ROOT, 'drizzle'), path.join(copy, 'drizzle'), { recursive: true });
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

const listing = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort();

test('drizzle-kit generate on the unchanged schema produces no migration', async () => {
  const out = path.join(copy, 'drizzle');
  const before = listing(out);
  // drizzle-kit joins --out onto "./", so it must be relative to the working directory.
  const { stdout } = await run(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'drizzle-kit', 'bin.cjs'),
      'generate',
      '--dialect',
      'postgresql',
      '--schema',
      './src/platform/db/schema.ts',
      '--out',
      path.relative(ROOT, out),
    ],
    { cwd: ROOT },
  );
  expect(stdout).toContain('No schema changes');
  expect(listing(out)).toEqual(before);
});

test('every migration in the journal has its SQL file', () => {
  const journal = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'drizzle', 'meta', '_journal.json'), 'utf8'),
  ) as {
    entries: { tag: string }[];
  };
  const files = fs.readdirSync(path.join(ROOT, 'drizzle')).filter((name) => name.endsWith('.sql'));
  expect(journal.entries.map((entry) => `${entry.tag}.sql`).sort()).toEqual(files.sort());
});
