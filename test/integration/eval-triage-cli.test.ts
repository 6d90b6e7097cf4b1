import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadIntentCatalog } from '../../src/triage';

// `npm run eval:triage` as a person runs it: the real script, the real intents, the real engine.
const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const script = path.join(root, 'scripts/eval-triage.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runEval(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [script, ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'eval-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function evalFile(name: string, rows: object[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return file;
}

jest.setTimeout(120_000);

test('refuses (exit 2) a file that shares lines with the intents examples, naming each line', async () => {
  const billing = loadIntentCatalog().intents.find((i) => i.name === 'billing')!;
  const example = billing.examples[0]!;
  // The copy differs only by case and punctuation: still a copy.
  const copied = `${example.toUpperCase()}!!`;
  const file = evalFile('overlap.jsonl', [
    { text: 'my new phone is cracked again ugh', intent: 'general', kind: 'offtopic' },
    { text: copied, intent: 'billing', kind: 'admin' },
  ]);
  const run = await runEval(file);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('1 line(s) also appear');
  expect(run.stderr).toContain(`line 2 (example of billing): ${copied}`);
  expect(run.stdout).not.toContain('macro-F1');
});

test('refuses (exit 2) a line that is not valid JSON, naming it', async () => {
  const file = path.join(dir, 'broken.jsonl');
  writeFileSync(file, '{"text": "ok then", "intent": "general"}\n{"text": \n');
  const run = await runEval(file);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`${file}:2: not valid JSON`);
});

test('a file without emergencies says recall was not measured and fails the targets', async () => {
  const file = evalFile('no-emergencies.jsonl', [
    { text: 'does the blue parking lot get plowed when it snows', intent: 'general', kind: 'admin' },
    { text: 'whats a good gift for a 9 year old who likes rocks', intent: 'general', kind: 'offtopic' },
    {
      text: 'is it ok to take my allergy pill at night instead',
      intent: 'clinical_question',
      kind: 'clinical',
    },
  ]);
  const run = await runEval(file);
  expect(run.stdout).toContain('emergency recall: not measured (the file holds no emergencies)');
  expect(run.stdout).not.toMatch(/emergency recall 100/);
  expect(run.stdout).toContain('targets: NOT met');
  expect(run.code).toBe(1);
});

test('with no argument it scores the held-out file and its exit code follows the targets', async () => {
  const run = await runEval();
  expect(run.stdout).toContain('test/fixtures/triage-heldout.jsonl');
  for (const section of [
    'emergency recall',
    'false emergencies',
    'macro-F1',
    'confusion matrix',
    'targets:',
  ]) {
    expect(run.stdout).toContain(section);
  }
  expect(run.stdout).toMatch(/^ {2}self_harm +\d+ +\d+ +\d+\.\d%$/m);
  expect(run.stdout).toMatch(/^ {2}offtopic +\d+ +\d+ +\d+\.\d%$/m);
  const met = run.stdout.includes('targets: met');
  expect(run.code).toBe(met ? 0 : 1);
});
