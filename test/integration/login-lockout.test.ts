import request from 'supertest';
import { MAX_FAILED_LOGINS } from '../../src/staff/login-throttle';
import { createStaffUser } from '../../src/staff/staff-directory';
import { queryRows } from '../support/test-database';
import { startTestHub, type TestHub } from '../support/test-hub';

// The account lockout counts each attempt before its password is checked, so logins sent at once
// cannot all be checked; and it reads the same for an unknown email as for a staff one.
jest.setTimeout(120_000);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.stop();
});

const login = (email: string, password: string, from: string) =>
  request(t.hub.url).post('/api/v1/auth/login').set('X-Forwarded-For', from).send({ email, password });

async function agent(email: string, password: string) {
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email,
    name: email,
    role: 'agent',
    password,
    queues: ['front-desk'],
  });
}

test('24 wrong passwords and the right one sent at once: no more than the limit are checked', async () => {
  await agent('target@clinic.test', 'the-right-password');
  const passwords = [...Array.from({ length: 24 }, (_, i) => `wrong-guess-${i}`), 'the-right-password'];
  const answers = await Promise.all(passwords.map((p) => login('target@clinic.test', p, '198.51.100.10')));
  const byStatus = (status: number) => answers.filter((a) => a.status === status).length;
  const checked = byStatus(401) + byStatus(200);
  expect(checked).toBeLessThanOrEqual(MAX_FAILED_LOGINS);
  expect(byStatus(429)).toBe(passwords.length - checked);
  for (const answer of answers.filter((a) => a.status === 429)) {
    expect(answer.body.error.code).toBe('login_locked');
  }
  const right = answers.at(-1)!;
  // The right one gets in only as one of the first few tries, within what one person may get wrong.
  if (right.status === 200) expect(byStatus(401)).toBeLessThan(MAX_FAILED_LOGINS);
  else {
    expect(right.status).toBe(429);
    // Locked: the right password, later, still waits out the lockout.
    await login('target@clinic.test', 'the-right-password', '198.51.100.10').expect(429);
  }
  const failed = await queryRows(
    t.database.url,
    "select 1 from audit_log where action = 'staff.login_failed' and ip = '198.51.100.10'",
  );
  expect(failed).toHaveLength(byStatus(401));
});

test('the lockout of an unknown email reads exactly like that of a staff one', async () => {
  await agent('real.person@clinic.test', 'the-real-password');
  const known = 'real.person@clinic.test';
  const unknown = 'no.such.person@clinic.test';
  const answersFor = async (email: string, from: string) => {
    const wrong = [];
    for (let i = 0; i < MAX_FAILED_LOGINS; i += 1) wrong.push(await login(email, `wrong-${i}`, from));
    const locked = await login(email, 'the-real-password', from);
    return { wrong, locked };
  };
  const a = await answersFor(known, '198.51.100.21');
  const b = await answersFor(unknown, '198.51.100.22');
  for (const { wrong } of [a, b]) {
    expect(wrong.map((w) => [w.status, w.body.error.code])).toEqual(
      Array.from({ length: MAX_FAILED_LOGINS }, () => [401, 'invalid_credentials']),
    );
  }
  expect(a.locked.status).toBe(429);
  expect(b.locked.status).toBe(429);
  expect(b.locked.body).toEqual(a.locked.body);
  expect(b.locked.headers['retry-after']).toBe(a.locked.headers['retry-after']);
  expect(a.locked.body.error.code).toBe('login_locked');
  // What was typed for the unknown email is not kept in clear.
  const kept = await queryRows(
    t.database.url,
    'select 1 from audit_log where detail::text like $1 or subject_id = $2',
    [`%${unknown}%`, unknown],
  );
  expect(kept).toHaveLength(0);
});

test('a good login clears the email’s count; failures from one address still add up across emails', async () => {
  await agent('returning@clinic.test', 'returning-password');
  const from = '198.51.100.30';
  for (let round = 0; round < 3; round += 1) {
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i += 1) {
      await login('returning@clinic.test', `typo-${round}-${i}`, from).expect(401);
    }
    await login('returning@clinic.test', 'returning-password', from).expect(200);
  }
  // Twelve failures from that address so far, and three good logins that do not count against it.
  const answers = [];
  for (let i = 0; i < 8; i += 1)
    answers.push((await login(`someone-${i}@clinic.test`, 'guess', from)).status);
  expect(answers).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
  const refused = await login('returning@clinic.test', 'returning-password', from).expect(429);
  expect(refused.body.error.code).toBe('login_address_locked');
});
