import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importOptedInAudience } from '../support/opted-in-audience';
import { queryRows } from '../support/test-database';
import {
  ADMIN,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// The `careline` command run as a user runs it: its own process, against a test hub on real
// PostgreSQL and Redis with the Twilio stand-in, through the staff API only.
jest.setTimeout(90_000);

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'careline.mjs');

let t: TestHub;
let api: StaffApi;
let token: string;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function careline(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, CARELINE_URL: t.hub.url, CARELINE_TOKEN: token, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Adults at midday in their zone, tagged `tag`, one per phone: the CSV a practice system exports. */
function audienceCsv(tag: string, phones: string[]): string {
  const zone = middayTimeZone();
  return [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map((phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,en,${zone},${tag}`),
  ].join('\n');
}

beforeAll(async () => {
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: '20' } });
  api = await t.api();
  token = await t.staffToken();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-cli-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t?.stop();
});

test('login prints a token from CARELINE_PASSWORD; a wrong password exits non-zero with the reason', async () => {
  const ok = await careline(['login', '--email', ADMIN.email], {
    CARELINE_TOKEN: undefined,
    CARELINE_PASSWORD: ADMIN.password,
  });
  expect(ok.code).toBe(0);
  const printed = ok.stdout.trim();
  const status = await careline(['--json', 'campaign', 'status', '00000000-0000-4000-8000-000000000000'], {
    CARELINE_TOKEN: printed,
  });
  // The printed token is accepted: the campaign is unknown, not the caller.
  expect(status.stderr).toMatch(/HTTP 404/);

  const bad = await careline(['login', '--email', ADMIN.email], { CARELINE_PASSWORD: 'not-the-password' });
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/^careline: .*HTTP 401/m);
  expect(bad.stdout).toBe('');
});

test('contacts import: a bad row is rejected with a report, the rest land; a dry run changes nothing', async () => {
  const tag = `cli${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  const file = path.join(dir, 'contacts.csv');
  fs.writeFileSync(
    file,
    [
      'externalId,name,phone,dateOfBirth,language,timeZone,tags',
      `${tag}-1,Ana,${randomUsPhone()},1950-01-02,en,${zone},${tag}`,
      `${tag}-2,Bo,${randomUsPhone()},1951-01-02,en,${zone},${tag}`,
      `${tag}-3,Cy,12,1952-01-02,en,${zone},${tag}`,
    ].join('\n'),
  );

  const dry = await careline(['contacts', 'import', file, '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('dry run');
  const [before] = await queryRows<{ n: string }>(
    t.database.url,
    'select count(*) as n from contacts where tags @> $1::jsonb',
    [JSON.stringify([tag])],
  );
  expect(Number(before!.n)).toBe(0);

  const run = await careline(['contacts', 'import', file]);
  expect(run.stderr).not.toMatch(/careline:/);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('rows 3: created 2, updated 0, rejected 1');
  const reportUrl = /error report: (\S+)/.exec(run.stdout)?.[1];
  expect(reportUrl).toMatch(new RegExp(`^${t.hub.url}/api/v1/contacts/imports/[0-9a-f-]+/errors\\.csv$`));
  const report = await fetch(reportUrl!, { headers: { Authorization: `Bearer ${token}` } });
  expect(await report.text()).toContain('invalid_phone');

  const json = await careline(['--json', 'contacts', 'import', file]);
  expect(JSON.parse(json.stdout)).toMatchObject({ status: 'completed', total: 3, updated: 2, rejected: 1 });
});

test('contacts import of a missing file, or with no token, exits non-zero with the reason', async () => {
  const missing = await careline(['contacts', 'import', path.join(dir, 'nope.csv')]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('cannot read');

  const file = path.join(dir, 'one.csv');
  fs.writeFileSync(file, 'externalId\nX-1\n');
  const anonymous = await careline(['contacts', 'import', file], { CARELINE_TOKEN: undefined });
  expect(anonymous.code).not.toBe(0);
  expect(anonymous.stderr).toContain('no staff token');

  const refused = await careline(['contacts', 'import', file], { CARELINE_TOKEN: 'not-a-token' });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/careline: .*HTTP 401/);
});

test('campaign preview, start, status --watch until completed; a second start exits non-zero (409)', async () => {
  const tag = `clc${Date.now().toString(36)}`;
  const file = path.join(dir, 'audience.csv');
  const phones = [randomUsPhone(), randomUsPhone(), randomUsPhone()];
  fs.writeFileSync(file, audienceCsv(tag, phones));
  expect((await careline(['contacts', 'import', file])).code).toBe(0);
  const ids = await queryRows<{ id: string; external_id: string }>(
    t.database.url,
    'select id, external_id from contacts where tags @> $1::jsonb order by external_id',
    [JSON.stringify([tag])],
  );
  // Two opted in to marketing by SMS; the third never asked, so the policy skips it.
  for (const { id } of ids.slice(0, 2)) {
    await api
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }
  const created = await api
    .post('/campaigns', {
      name: `CLI ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;

  const preview = await careline(['campaign', 'preview', id]);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toContain('recipients 3');
  expect(preview.stdout).toContain('by channel: sms 2');
  expect(preview.stdout).toContain('skipped: marketing_requires_opt_in 1');
  expect(preview.stdout).toContain('Riverside Clinic');

  const start = await careline(['campaign', 'start', id]);
  expect(start.code).toBe(0);
  expect(start.stdout).toContain(`campaign ${id} running`);
  const again = await careline(['campaign', 'start', id]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/careline: campaign_state_conflict: .*HTTP 409/);

  const watched = await careline(['--json', 'campaign', 'status', id, '--watch']);
  expect(watched.code).toBe(0);
  expect(JSON.parse(watched.stdout)).toMatchObject({
    status: 'completed',
    stats: { recipients: 3, sent: 2, failed: 0, skipped: { marketing_requires_opt_in: 1 } },
  });
  const sentTo = t.twilio.messages.map((m) => String(m.params.To));
  expect(sentTo.filter((to) => phones.includes(to)).sort()).toEqual(phones.slice(0, 2).sort());

  const lines = await careline(['campaign', 'status', id]);
  expect(lines.stdout).toContain('completed');
  expect(lines.stdout).toContain('recipients 3: sent 2');
  // The outcomes a campaign is for: none here (a public template, nothing to confirm, no booking).
  expect(lines.stdout).toContain('link opened 0, confirmed 0, booked 0');
});

/** The command run on a terminal (util-linux `script` gives it a pseudo-terminal): progress bars draw only there. */
function carelineOnTerminal(args: string[]): Promise<Run> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: { PATH: process.env.PATH, CARELINE_URL: t.hub.url, CARELINE_TOKEN: token, TERM: 'xterm' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('campaign pause stops the sends, status --watch on a terminal draws its progress bar, resume finishes them', async () => {
  const tag = `clp${Date.now().toString(36)}`;
  // A hundred at twenty a second: five seconds of sending, time to pause midway.
  const phones = Array.from({ length: 100 }, () => randomUsPhone());
  await importOptedInAudience(t, api, audienceCsv(tag, phones), tag);
  const created = await api
    .post('/campaigns', {
      name: `CLI pause ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  const sent = () => t.twilio.messages.filter((m) => phones.includes(String(m.params.To))).length;

  expect((await careline(['campaign', 'start', id])).code).toBe(0);
  const paused = await careline(['campaign', 'pause', id]);
  expect(paused.code).toBe(0);
  expect(paused.stdout).toContain(`campaign ${id} paused`);
  // Sends already handed to the carrier end; then nothing more goes while it is paused.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const whilePaused = sent();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(sent()).toBe(whilePaused);
  expect(whilePaused).toBeLessThan(100);

  // On a terminal the watch draws cli-progress's bar (shades_classic: full and light shade blocks);
  // a paused campaign needs a person, so the watch shows where it stands and returns.
  const bar = await carelineOnTerminal(['campaign', 'status', id, '--watch']);
  expect(bar.code).toBe(0);
  expect(bar.stdout).toMatch(/sending [\u2588\u2591]+ \d+\/100 \| paused/);

  expect((await careline(['campaign', 'resume', id])).stdout).toContain(`campaign ${id} running`);
  const watched = await careline(['--json', 'campaign', 'status', id, '--watch']);
  expect(watched.code).toBe(0);
  expect(JSON.parse(watched.stdout)).toMatchObject({
    status: 'completed',
    stats: { recipients: 100, sent: 100 },
  });
  expect(sent()).toBe(100);
});

test('an unknown campaign and a usage error exit non-zero with the reason', async () => {
  const unknown = await careline(['campaign', 'pause', '00000000-0000-4000-8000-000000000000']);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toMatch(/careline: \w+: .*HTTP 404/);
  const usage = await careline(['campaign', 'launch', 'x']);
  expect(usage.code).not.toBe(0);
  expect(usage.stderr).toMatch(/unknown command/);
});
