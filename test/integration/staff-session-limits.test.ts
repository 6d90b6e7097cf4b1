import { io } from 'socket.io-client';
import request from 'supertest';
import { MAX_FAILED_LOGINS_PER_IP } from '../../src/staff/login-throttle';
import { createStaffUser } from '../../src/staff/staff-directory';
import { queryRows } from '../support/test-database';
import { ADMIN, startTestHub, type TestHub } from '../support/test-hub';

// Sessions end when they expire; one address that keeps guessing is refused, whatever account it tries.
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const login = (body: { email: string; password: string }, from = '198.51.100.1') =>
  // The hub trusts X-Forwarded-For from loopback only (its reverse proxy): it is the client address.
  request(t.hub.url).post('/api/v1/auth/login').set('X-Forwarded-For', from).send(body);

test('an expired session gets 401 on the API, on /auth/me and on the socket', async () => {
  const session = await login(ADMIN).expect(200);
  const token: string = session.body.token;
  const auth = { Authorization: `Bearer ${token}` };
  await request(t.hub.url).get('/api/v1/conversations').set(auth).expect(200);

  const expired = await queryRows(
    t.database.url,
    "update staff_sessions set expires_at = now() - interval '1 second' where token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') returning staff_id",
    [token],
  );
  expect(expired).toHaveLength(1);
  const api = await request(t.hub.url).get('/api/v1/conversations').set(auth).expect(401);
  expect(api.body.error.code).toBe('unauthorized');
  await request(t.hub.url).get('/api/v1/auth/me').set(auth).expect(401);
  // The cookie of that session is refused the same way.
  await request(t.hub.url).get('/api/v1/auth/me').set('Cookie', `careline_session=${token}`).expect(401);

  const socket = io(`${t.hub.url}/inbox`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    const refused = await new Promise<Error>((resolve, reject) => {
      socket.on('connect', () => reject(new Error('an expired session connected')));
      socket.on('connect_error', resolve);
    });
    expect(refused.message).toBe('unauthorized');
  } finally {
    socket.disconnect();
  }
  // A new login works as before.
  await login(ADMIN).expect(200);
});

test(`${MAX_FAILED_LOGINS_PER_IP} failures from one address, across accounts, refuse its next logins (429 login_address_locked)`, async () => {
  const accounts = ['one', 'two', 'three', 'four', 'five'].map((n) => `${n}@clinic.test`);
  for (const email of accounts) {
    await createStaffUser(t.hub.database.db, {
      orgId: t.hub.org.id,
      email,
      name: email,
      role: 'agent',
      password: 'the-right-password',
      queues: ['front-desk'],
    });
  }
  const attacker = '203.0.113.9';
  // Four wrong passwords per account: no single account reaches its own lockout (5).
  for (let i = 0; i < MAX_FAILED_LOGINS_PER_IP; i += 1) {
    const res = await login({ email: accounts[i % accounts.length]!, password: `guess-${i}` }, attacker);
    expect(res.status).toBe(401);
  }
  // The right password, an unknown email: refused alike from that address, with a clear code.
  for (const body of [
    { email: accounts[0]!, password: 'the-right-password' },
    { email: 'nobody@clinic.test', password: 'whatever-it-is' },
    ADMIN,
  ]) {
    const res = await login(body, attacker).expect(429);
    expect(res.body.error.code).toBe('login_address_locked');
    expect(res.body.error.message).toMatch(/from this address/);
    expect(res.headers['retry-after']).toBe('900');
  }
  // The accounts are not locked: from another address they log in.
  await login({ email: accounts[0]!, password: 'the-right-password' }, '198.51.100.77').expect(200);
  await login(ADMIN, '198.51.100.77').expect(200);

  const audits = await queryRows<{ detail: { lock: string }; ip: string }>(
    t.database.url,
    "select detail, ip from audit_log where action = 'staff.login_locked' order by at",
  );
  expect(audits).toHaveLength(3);
  expect(audits.every((a) => a.ip === attacker && a.detail.lock === 'address')).toBe(true);
});
