import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { queryRows } from '../support/test-database';
import { type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// The web chat in the clinic's colours: admins set a logo, colour and greeting; the public
// /chat/appearance.json gives them to the page with the clinic's name and reply time, and the page's
// CSP lets images in from the logo's site and no other.
let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t.stop();
});

test('before an admin sets anything: the clinic name, the front desk reply time, no logo or colour', async () => {
  const res = await request(t.hub.url).get('/chat/appearance.json').expect(200);
  expect(res.body).toEqual({
    clinicName: t.hub.org.name,
    logoUrl: null,
    color: null,
    textColor: null,
    greeting: null,
    preChatForm: false,
    replyWithinMinutes: expect.any(Number),
  });
  const page = await request(t.hub.url).get('/chat').expect(200);
  expect(page.headers['content-security-policy']).toContain("img-src 'self';");
});

test('an admin’s logo, colour and greeting reach the page at once; only the logo’s origin joins the CSP', async () => {
  const set = await admin
    .patch('/settings', {
      chatAppearance: {
        logoUrl: 'https://cdn.clinic.example/brand/logo.png',
        color: '#FFD700',
        greeting: '  Hi! Ask us about appointments.  ',
      },
    })
    .expect(200);
  expect(set.body.settings.chatAppearance).toEqual({
    logoUrl: 'https://cdn.clinic.example/brand/logo.png',
    color: '#ffd700',
    greeting: 'Hi! Ask us about appointments.',
    preChatForm: false,
    greetingMax: 300,
  });

  const look = (await request(t.hub.url).get('/chat/appearance.json').expect(200)).body;
  expect(look).toMatchObject({
    logoUrl: 'https://cdn.clinic.example/brand/logo.png',
    color: '#ffd700',
    // Gold is light: black text reads on it, white would not.
    textColor: '#000000',
    greeting: 'Hi! Ask us about appointments.',
  });
  const csp = (await request(t.hub.url).get('/chat').expect(200)).headers['content-security-policy'];
  expect(csp).toContain("img-src 'self' https://cdn.clinic.example;");
  expect(csp).toContain("script-src 'self';");

  // A field left out keeps its value; an empty one clears it.
  await admin.patch('/settings', { chatAppearance: { color: '#1f3a5f', logoUrl: '' } }).expect(200);
  const after = (await request(t.hub.url).get('/chat/appearance.json').expect(200)).body;
  expect(after).toMatchObject({ logoUrl: null, color: '#1f3a5f', textColor: '#ffffff' });
  expect(after.greeting).toBe('Hi! Ask us about appointments.');
  const plain = (await request(t.hub.url).get('/chat').expect(200)).headers['content-security-policy'];
  expect(plain).toContain("img-src 'self';");
});

test.each([
  { chatAppearance: { logoUrl: 'http://clinic.example/logo.png' } },
  { chatAppearance: { logoUrl: 'javascript:alert(1)' } },
  { chatAppearance: { logoUrl: '//evil.example/logo.png' } },
  { chatAppearance: { color: 'red; background: url(x)' } },
  { chatAppearance: { greeting: 'x'.repeat(301) } },
  { chatAppearance: { font: 'Comic Sans' } },
])('an unsafe or unknown appearance is refused with 400: %j', async (body) => {
  const res = await admin.patch('/settings', body).expect(400);
  expect(res.body.error.code).toBe('validation_failed');
});

test('only admins change it', async () => {
  const res = await request(t.hub.url)
    .patch('/api/v1/settings')
    .send({ chatAppearance: { color: '#000000' } });
  expect([401, 403]).toContain(res.status);
});

/** A new visitor on `/chat`: its socket and session id (the webchat identity's address). */
async function newVisitor(): Promise<{ socket: Socket; sessionId: string }> {
  const socket = connect(`${t.hub.url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const token = await new Promise<string>((resolve, reject) => {
    socket.once('session', (info: { token: string }) => resolve(info.token));
    socket.once('connect_error', reject);
  });
  return { socket, sessionId: token.split('.')[0]! };
}

const nameOnFile = async (sessionId: string) =>
  (
    await queryRows<{ display_name: string | null }>(
      t.database.url,
      `select c.display_name from contacts c join contact_identities i on i.contact_id = c.id
       where i.kind = 'webchat' and i.address = $1`,
      [sessionId],
    )
  )[0]?.display_name;

test('the pre-chat name goes to the new contact with the first message, and never replaces a name on file', async () => {
  const { socket, sessionId } = await newVisitor();
  const say = (payload: Record<string, unknown>) =>
    socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), ...payload });

  // Too long a name: refused whole, nothing stored.
  expect(await say({ body: 'About my bill', name: 'x'.repeat(81) })).toEqual({
    ok: false,
    code: 'invalid_message',
  });
  expect(await nameOnFile(sessionId)).toBeUndefined();

  expect(await say({ body: 'About my bill', name: '  Sam Visitor ' })).toMatchObject({ ok: true });
  expect(await nameOnFile(sessionId)).toBe('Sam Visitor');

  expect(await say({ body: 'Also a refill', name: 'Someone Else' })).toMatchObject({ ok: true });
  expect(await nameOnFile(sessionId)).toBe('Sam Visitor');

  // Without a name: the plain chat, no name given.
  const quiet = await newVisitor();
  expect(
    await quiet.socket.timeout(5000).emitWithAck('message', { clientId: randomUUID(), body: 'Hello' }),
  ).toMatchObject({ ok: true });
  expect(await nameOnFile(quiet.sessionId)).toBeNull();
});
