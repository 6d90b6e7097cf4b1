import { io as connect } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { ADMIN, startTestHub, type TestHub } from '../support/test-hub';

// The inbox page logs in once and then rides an HttpOnly cookie; bearer clients keep working as before.
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

async function loginByCookie() {
  const res = await request(t.hub.url).post('/api/v1/auth/login').send(ADMIN).expect(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookie.find((c) => c.startsWith('careline_session='));
  if (!session) throw new Error('no session cookie');
  return { res, setCookie: session, cookie: session.split(';')[0]!, csrf: res.body.csrfToken as string };
}

test('login sets an HttpOnly, SameSite=Strict, Secure (https PUBLIC_URL) cookie and returns a CSRF token', async () => {
  const { res, setCookie } = await loginByCookie();
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  expect(setCookie).toMatch(/Path=\//);
  expect(setCookie).toMatch(/;\s*Secure/i);
  expect(setCookie).toMatch(/Max-Age=\d+/);
  expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  expect(res.body.csrfToken).not.toBe(res.body.token);
  expect(res.body.staff).toMatchObject({ email: ADMIN.email, role: 'admin' });
});

test('the cookie alone reads; an unsafe request needs X-CSRF-Token matching the session', async () => {
  const { cookie, csrf } = await loginByCookie();
  const other = await loginByCookie();
  await request(t.hub.url).get('/api/v1/conversations').set('Cookie', cookie).expect(200);
  const me = await request(t.hub.url).get('/api/v1/auth/me').set('Cookie', cookie).expect(200);
  expect(me.body).toMatchObject({ staff: { email: ADMIN.email }, csrfToken: csrf });
  expect(Date.parse(me.body.expiresAt)).toBeGreaterThan(Date.now());

  const body = { id: 'csrf-check', name: 'CSRF check' };
  const missing = await request(t.hub.url)
    .post('/api/v1/queues')
    .set('Cookie', cookie)
    .send(body)
    .expect(403);
  expect(missing.body.error.code).toBe('csrf_failed');
  // Another session's token does not fit this one.
  const wrong = await request(t.hub.url)
    .post('/api/v1/queues')
    .set('Cookie', cookie)
    .set('X-CSRF-Token', other.csrf)
    .send(body)
    .expect(403);
  expect(wrong.body.error.code).toBe('csrf_failed');
  expect(await queryRows(t.database.url, "select 1 from queues where id = 'csrf-check'")).toHaveLength(0);
  await request(t.hub.url)
    .post('/api/v1/queues')
    .set('Cookie', cookie)
    .set('X-CSRF-Token', csrf)
    .send(body)
    .expect(201);
});

test('bearer requests need no CSRF token', async () => {
  const api = await t.api();
  await api.post('/queues', { id: 'bearer-check', name: 'Bearer check' }).expect(201);
});

test('logout with the cookie revokes the session and clears the cookie; logout by bearer works too', async () => {
  const { cookie, csrf } = await loginByCookie();
  const out = await request(t.hub.url)
    .post('/api/v1/auth/logout')
    .set('Cookie', cookie)
    .set('X-CSRF-Token', csrf)
    .expect(204);
  const cleared = ([] as string[]).concat(out.headers['set-cookie'] ?? []).join('\n');
  expect(cleared).toMatch(/careline_session=;/);
  expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  const after = await request(t.hub.url).get('/api/v1/auth/me').set('Cookie', cookie).expect(401);
  expect(after.body.error.code).toBe('unauthorized');

  const { res } = await loginByCookie();
  const bearer = { Authorization: `Bearer ${res.body.token}` };
  await request(t.hub.url).post('/api/v1/auth/logout').set(bearer).expect(204);
  await request(t.hub.url).get('/api/v1/auth/me').set(bearer).expect(401);
});

test('the /inbox socket accepts the session cookie in the handshake, and refuses a revoked one', async () => {
  const { cookie, csrf } = await loginByCookie();
  const open = () =>
    connect(`${t.hub.url}/inbox`, {
      transports: ['websocket'],
      extraHeaders: { Cookie: cookie },
      reconnection: false,
      forceNew: true,
    });
  const socket = open();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  } finally {
    socket.disconnect();
  }
  await request(t.hub.url)
    .post('/api/v1/auth/logout')
    .set('Cookie', cookie)
    .set('X-CSRF-Token', csrf)
    .expect(204);
  const refused = open();
  try {
    await expect(
      new Promise<void>((resolve, reject) => {
        refused.once('connect', () => resolve());
        refused.once('connect_error', reject);
      }),
    ).rejects.toThrow('unauthorized');
  } finally {
    refused.disconnect();
  }
});
