import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { middayTimeZone, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// The `careline` command (package.json `bin`), run as its own process against a hub.
jest.setTimeout(60_000);

const CLI = path.resolve(__dirname, '..', '..', 'scripts', 'careline.mjs');
let t: TestHub;
let dir: string;

beforeAll(async () => {
  t = await startTestHub();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-cli-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

async function careline(
  args: string[],
  token?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    CARELINE_URL: t.hub.url,
    CARELINE_TOKEN: token ?? (await t.staffToken()),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('imports a file, previews and starts a campaign, and reports its status', async () => {
  const tag = `cli${Date.now().toString(36)}`;
  const file = path.join(dir, 'patients.csv');
  fs.writeFileSync(
    file,
    [
      'externalId,phone,dateOfBirth,timeZone,tags',
      `${tag}-1,${randomUsPhone()},1950-01-01,${middayTimeZone()},${tag}`,
      `${tag}-2,not-a-phone,1950-01-01,,${tag}`,
    ].join('\n'),
  );
  const imported = await careline(['contacts', 'import', file]);
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);
  expect(imported.stdout).toMatch(/completed: 2 rows, 1 created, 0 updated, 1 rejected/);
  expect(imported.stdout).toMatch(/errors: http:\/\/.*\/errors\.csv/);

  const admin = await t.api();
  const created = await admin
    .post('/campaigns', {
      name: 'CLI recall',
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/x' },
    })
    .expect(201);
  const id = created.body.id as string;
  const preview = await careline(['campaign', 'preview', id]);
  expect(preview.code).toBe(0);
  // No marketing opt-in on file: the policy skips the one recipient.
  expect(preview.stdout).toMatch(/recipients 1/);
  expect(preview.stdout).toMatch(/skipped \(marketing_requires_opt_in\): 1/);

  expect((await careline(['campaign', 'start', id])).stdout).toMatch(/CLI recall: running/);
  const again = await careline(['campaign', 'start', id]);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/409 campaign_state_conflict/);
  const status = await careline(['campaign', 'status', id]);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/recipients 1/);
});

test('fails with the reason: a missing file, an unknown campaign, no token', async () => {
  const missing = await careline(['contacts', 'import', path.join(dir, 'nope.csv')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/no such file/);
  const unknown = await careline(['campaign', 'status', randomUUID()]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/404 campaign_not_found/);
  const anonymous = await careline(['campaign', 'status', randomUUID()], 'not-a-token');
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toMatch(/401/);
});
