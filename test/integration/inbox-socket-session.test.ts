import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { ADMIN, eventually, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// A live /inbox socket lives no longer than the session it was opened with: logout and expiry close
// it, as a disabled account's already are.
jest.setTimeout(60_000);

let t: TestHub;
const sockets: Socket[] = [];
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t?.stop();
});

const login = async () =>
  (await request(t.hub.url).post('/api/v1/auth/login').send(ADMIN).expect(200)).body.token as string;

/** A connected socket, recording the events it receives and why it was closed. */
async function connect(token: string) {
  const socket = io(`${t.hub.url}/inbox`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  const received: { type: string; messageId?: string }[] = [];
  socket.onAny((type: string, payload: { messageId?: string }) => received.push({ type, ...payload }));
  const closed = new Promise<string>((resolve) => socket.on('disconnect', resolve));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  await eventually(async () => received.some((e) => e.type === 'inbox.ready'));
  return { socket, received, closed };
}

test('logout closes the sockets of that session, and only those', async () => {
  const [ending, staying] = [await login(), await login()];
  const gone = await connect(ending);
  const kept = await connect(staying);
  await request(t.hub.url).post('/api/v1/auth/logout').set('Authorization', `Bearer ${ending}`).expect(204);
  expect(await gone.closed).toBe('io server disconnect');

  // A later event reaches the other session's socket: the closed one had its chance and is gone.
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'is the clinic open on Saturday?' }).expect(200);
  const [stored] = await queryRows<{ id: string }>(
    t.database.url,
    'select id from messages where from_address = $1',
    [phone],
  );
  await eventually(async () =>
    kept.received.some((e) => e.type === 'message.created' && e.messageId === stored!.id),
  );
  expect(kept.socket.connected).toBe(true);
  expect(gone.socket.connected).toBe(false);
  expect(gone.received.some((e) => e.messageId === stored!.id)).toBe(false);
});

test('a socket is closed when its session expires', async () => {
  const token = await login();
  const updated = await queryRows(
    t.database.url,
    "update staff_sessions set expires_at = now() + interval '6 seconds' where token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') returning 1",
    [token],
  );
  expect(updated).toHaveLength(1);
  const expiring = await connect(token);
  const steady = await connect(await login());
  expect(await expiring.closed).toBe('io server disconnect');
  expect(steady.socket.connected).toBe(true);
  // It cannot come back with that session either.
  await request(t.hub.url).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
});
