import request from 'supertest';
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
afterAll(async () => {
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
