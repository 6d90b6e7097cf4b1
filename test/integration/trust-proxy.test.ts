import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { MAX_FAILED_LOGINS_PER_IP } from '../../src/staff/login-throttle';
import { queryRows } from '../support/test-database';
import { startTestHub, type TestHub } from '../support/test-hub';

// The test's requests all come from 127.0.0.1, as they would from a reverse proxy on the same
// machine; X-Forwarded-For says which visitor each one stands for.

// Each login hashes a password (argon2id): twenty of them are slow on a loaded two-core machine.
jest.setTimeout(120_000);

const IP_LIMIT = 3;
const sockets: Socket[] = [];

function hubBehindProxy(trustProxy: string) {
  return startTestHub({
    env: {
      TRUST_PROXY: trustProxy,
      CLINIC_OFFICE_HOURS: 'mon-sun 00:00-24:00',
      WEBCHAT_IP_MESSAGES_PER_MINUTE: String(IP_LIMIT),
    },
  });
}

const login = (t: TestHub, forwardedFor: string) =>
  request(t.hub.url)
    .post('/api/v1/auth/login')
    .set('X-Forwarded-For', forwardedFor)
    .send({ email: `nobody.${randomUUID()}@clinic.test`, password: 'not-the-password' });

/** A web chat visitor whose handshake came through the proxy for `forwardedFor`. */
async function chatVisitor(t: TestHub, forwardedFor: string): Promise<Socket> {
  const socket = connect(`${t.hub.url}/chat`, {
    transports: ['websocket'],
    extraHeaders: { 'X-Forwarded-For': forwardedFor },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const say = async (socket: Socket, body: string) =>
  (await socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), body })) as {
    ok: boolean;
    code?: string;
  };

afterAll(() => {
  for (const socket of sockets) socket.disconnect();
});

describe('TRUST_PROXY=1: the proxy in front is trusted', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await hubBehindProxy('1');
  });
  afterAll(async () => {
    await t.stop();
  });

  test('login failures count per forwarded client: one client locked out, another not', async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS_PER_IP; i += 1) await login(t, '203.0.113.10').expect(401);
    const locked = await login(t, '203.0.113.10').expect(429);
    expect(locked.body.error.code).toBe('login_address_locked');
    await login(t, '203.0.113.11').expect(401);
    // A client cannot slip out by prefixing an address of its own: the proxy appends the real one.
    const spoofed = await login(t, '198.51.100.1, 203.0.113.10').expect(429);
    expect(spoofed.body.error.code).toBe('login_address_locked');
    const ips = await queryRows<{ ip: string }>(
      t.database.url,
      "select distinct ip from audit_log where action = 'staff.login_failed' order by ip",
    );
    expect(ips.map((r) => r.ip)).toEqual(['203.0.113.10', '203.0.113.11']);
  });

  test('web chat limits each forwarded client on its own', async () => {
    const first = await chatVisitor(t, '192.0.2.20');
    const sameClient = await chatVisitor(t, '192.0.2.66, 192.0.2.20');
    for (let i = 0; i < IP_LIMIT - 1; i += 1)
      expect(await say(first, `first ${i}`)).toMatchObject({ ok: true });
    expect(await say(sameClient, 'same client')).toMatchObject({ ok: true });
    expect(await say(first, 'one too many')).toMatchObject({ ok: false, code: 'rate_limited' });
    const other = await chatVisitor(t, '192.0.2.21');
    expect(await say(other, 'another visitor')).toMatchObject({ ok: true });
  });
});

describe('TRUST_PROXY=false: X-Forwarded-For is whatever the client wrote', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await hubBehindProxy('false');
  });
  afterAll(async () => {
    await t.stop();
  });

  test('a new forged address per login does not escape the address lockout', async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS_PER_IP; i += 1) await login(t, `203.0.113.${i + 1}`).expect(401);
    const locked = await login(t, '203.0.113.200').expect(429);
    expect(locked.body.error.code).toBe('login_address_locked');
    const ips = await queryRows<{ ip: string }>(
      t.database.url,
      "select distinct ip from audit_log where action = 'staff.login_failed'",
    );
    expect(ips).toHaveLength(1);
    expect(ips[0]!.ip).toMatch(/127\.0\.0\.1$/);
  });

  test('web chat: forged addresses share the one real address’s limit', async () => {
    const visitors = await Promise.all(
      Array.from({ length: IP_LIMIT + 1 }, (_, i) => chatVisitor(t, `192.0.2.${i + 1}`)),
    );
    for (let i = 0; i < IP_LIMIT; i += 1)
      expect(await say(visitors[i]!, `v ${i}`)).toMatchObject({ ok: true });
    expect(await say(visitors[IP_LIMIT]!, 'forged')).toMatchObject({ ok: false, code: 'rate_limited' });
  });
});
