import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { suggestPossibleDuplicate } from '../../src/contacts/possible-duplicates';
import { createStaffUser } from '../../src/staff/staff-directory';
import { mountedRoutes } from '../support/express-routes';
import { queryRows } from '../support/test-database';
import {
  eventually,
  randomUsPhone,
  type StaffApi,
  staffApiAs,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Per-queue access reaches past conversations: to contacts, consents, outbound, appointments,
// duplicates and the sandbox. A billing agent tries everything against a nurse-triage patient.
jest.setTimeout(120_000);

const EMAIL_SECRET = 'staff-access-email-secret-0123456789';
const DOMAIN = 'mail.clinic.test';

let t: TestHub;
let admin: StaffApi;
let billing: StaffApi;
let nurse: StaffApi;
let supervisor: StaffApi;
let billingToken: string;
let labelId: string;

/** The nurse-triage patient, and what the clinic holds about her. */
const patient = {
  phone: '',
  email: '',
  contactId: '',
  conversationId: '',
  messageId: '',
  appointmentId: '',
  attachmentUrl: '',
  suggestionId: '',
};
/** A billing patient: the agent's own. */
const own = { phone: '', contactId: '', conversationId: '' };

const login = async (email: string, password: string) =>
  (await request(t.hub.url).post('/api/v1/auth/login').send({ email, password }).expect(200)).body
    .token as string;

async function staffMember(email: string, role: 'agent' | 'supervisor', queues: string[]) {
  await createStaffUser(t.hub.database.db, {
    orgId: t.hub.org.id,
    email,
    name: email,
    role,
    password: 'a-long-enough-password',
    queues,
  });
  return login(email, 'a-long-enough-password');
}

/** A patient played on the sandbox phone, once triage has put her conversation in `queue`. */
async function sandboxPatient(body: string, queue: string) {
  const phone = randomUsPhone();
  await admin.post('/sandbox/sms/inbound', { from: phone, body }).expect(202);
  const row = await eventually(async () => {
    const [found] = await queryRows<{
      id: string;
      conversation_id: string;
      contact_id: string;
      queue: string;
    }>(
      t.database.url,
      `select m.id, m.conversation_id, c.contact_id, c.queue from messages m
         join conversations c on c.id = m.conversation_id
        where m.from_address = $1 and m.triage is not null`,
      [phone],
    );
    return found;
  });
  expect(row.queue).toBe(queue);
  return { phone, contactId: row.contact_id, conversationId: row.conversation_id, messageId: row.id };
}

beforeAll(async () => {
  // Sandbox mode, as `npm start` gives: no Twilio account; email inbound by its webhook.
  t = await startTestHub({
    env: {
      TWILIO_ACCOUNT_SID: '',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_FROM_NUMBER: '',
      TWILIO_API_URL: '',
      EMAIL_INBOUND_SECRET: EMAIL_SECRET,
      EMAIL_INBOUND_DOMAINS: DOMAIN,
      EMAIL_REPLY_DOMAIN: DOMAIN,
    },
  });
  admin = await t.api();
  // A label and a canned response of the clinic, for the routes that act on one.
  labelId = (await admin.post('/labels', { name: 'Follow-up', color: 'blue' }).expect(201)).body.label.id;
  billingToken = await staffMember('billing.agent@clinic.test', 'agent', ['billing']);
  billing = staffApiAs(t.hub.url, billingToken);
  nurse = staffApiAs(t.hub.url, await staffMember('nurse.agent@clinic.test', 'agent', ['nurse-triage']));
  supervisor = staffApiAs(t.hub.url, await staffMember('lead@clinic.test', 'supervisor', []));

  Object.assign(patient, await sandboxPatient('crushing chest pain and my left arm is numb', 'nurse-triage'));
  Object.assign(own, await sandboxPatient('why is my bill $240? I thought insurance covered it', 'billing'));
  patient.email = `patient.${randomUUID().slice(0, 8)}@example.org`;
  await admin
    .patch(`/contacts/${patient.contactId}`, {
      name: 'Nora Nurse-Patient',
      email: patient.email,
      dateOfBirth: '1961-04-02',
    })
    .expect(200);
  patient.appointmentId = (
    await admin
      .post('/appointments', {
        contactId: patient.contactId,
        startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        location: 'Room 4',
      })
      .expect(201)
  ).body.appointment.id;
  // A file the patient mailed in, in a nurse-triage conversation.
  const boundary = `b-${randomUUID()}`;
  const mime = [
    `From: ${patient.email}`,
    `To: frontdesk@${DOMAIN}`,
    'Subject: my chest',
    `Message-ID: <${randomUUID()}@example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'crushing chest pain again, my ECG from last year is attached',
    `--${boundary}`,
    'Content-Type: application/pdf; name="ecg.pdf"',
    'Content-Disposition: attachment; filename="ecg.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(`%PDF-1.4 ecg ${randomUUID()}`).toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  await request(t.hub.url)
    .post('/webhooks/email/inbound')
    .set('Content-Type', 'message/rfc822')
    .set('X-CareLine-Email-Secret', EMAIL_SECRET)
    .send(mime)
    .expect((res) => expect(res.status).toBeLessThan(300));
  patient.attachmentUrl = await eventually(async () => {
    const [row] = await queryRows<{ media: { url: string }[] | null; queue: string }>(
      t.database.url,
      `select m.media, c.queue from messages m join conversations c on c.id = m.conversation_id
        where m.from_address = $1 and m.triage is not null`,
      [patient.email],
    );
    return row?.queue === 'nurse-triage' ? row.media?.[0]?.url : null;
  });
  expect(patient.attachmentUrl).toMatch(/^\/api\/v1\/attachments\//);
  await suggestPossibleDuplicate(t.hub.database.db, {
    orgId: t.hub.org.id,
    existingContactId: own.contactId,
    newContactId: patient.contactId,
    reason: 'same_display_name',
    evidence: {},
  });
  patient.suggestionId = (
    await queryRows<{ id: string }>(t.database.url, 'select id from contact_duplicate_suggestions')
  )[0]!.id;
});
afterAll(async () => {
  await t?.stop();
});

type Body = Record<string, unknown> & { error?: { code: string; details?: Record<string, unknown> } };

interface RouteCase {
  /** The request, made when the table runs (ids are known by then). */
  request(): { path: string; body?: object };
  /** What an agent of another queue gets against the nurse-triage patient. */
  agent:
    | { status: 403; code: 'forbidden_queue' | 'forbidden_contact' | 'forbidden_role' }
    | { status: number; check(body: Body): void };
  /** A route that needs no session (the login itself). */
  anonymous?: 'public';
  /** A fresh session of the agent, for a route that ends the one it is called with. */
  freshSession?: true;
}

const forbidden = (code: 'forbidden_queue' | 'forbidden_contact' | 'forbidden_role') =>
  ({ status: 403, code }) as const;
const conversationPath =
  (suffix = '') =>
  () => ({ path: `/conversations/${patient.conversationId}${suffix}`, body: {} });
const contactPath =
  (suffix = '') =>
  () => ({ path: `/contacts/${patient.contactId}${suffix}` });
const omits =
  (...values: (() => string)[]) =>
  (body: Body) => {
    const text = JSON.stringify(body);
    for (const value of values) expect(text).not.toContain(value());
  };

/** Every staff route: a route mounted under /api/v1 and missing here fails the first test. */
const STAFF_ROUTES: Record<string, RouteCase> = {
  'POST /api/v1/auth/login': {
    request: () => ({ path: '/auth/login', body: {} }),
    anonymous: 'public',
    agent: { status: 400, check: () => {} },
  },
  'GET /api/v1/auth/me': {
    request: () => ({ path: '/auth/me' }),
    agent: {
      status: 200,
      check: (b) => expect((b.staff as { queues: string[] }).queues).toEqual(['billing']),
    },
  },
  'POST /api/v1/auth/logout': {
    request: () => ({ path: '/auth/logout', body: {} }),
    freshSession: true,
    agent: { status: 204, check: () => {} },
  },
  'GET /api/v1/conversations': {
    request: () => ({ path: '/conversations?limit=200' }),
    agent: {
      status: 200,
      check: omits(
        () => patient.conversationId,
        () => patient.contactId,
      ),
    },
  },
  'GET /api/v1/conversations/:id': { request: conversationPath(), agent: forbidden('forbidden_queue') },
  'POST /api/v1/conversations/:id/messages': {
    request: () => ({
      path: `/conversations/${patient.conversationId}/messages`,
      body: { body: 'hello', sensitivity: 'limited' },
    }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/claim': {
    request: conversationPath('/claim'),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/assign': {
    request: () => ({ path: `/conversations/${patient.conversationId}/assign`, body: { staffId: null } }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/transfer': {
    request: () => ({
      path: `/conversations/${patient.conversationId}/transfer`,
      body: { queue: 'billing' },
    }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/resolve': {
    request: conversationPath('/resolve'),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/reopen': {
    request: conversationPath('/reopen'),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/snooze': {
    request: () => ({
      path: `/conversations/${patient.conversationId}/snooze`,
      body: { until: new Date(Date.now() + 3_600_000).toISOString() },
    }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/priority': {
    request: () => ({ path: `/conversations/${patient.conversationId}/priority`, body: { priority: 0 } }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/notes': {
    request: () => ({ path: `/conversations/${patient.conversationId}/notes`, body: { body: 'a note' } }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/:id/read': {
    request: conversationPath('/read'),
    agent: forbidden('forbidden_queue'),
  },
  'GET /api/v1/labels': {
    request: () => ({ path: '/labels' }),
    agent: { status: 200, check: (b) => expect((b.labels as unknown[]).length).toBeGreaterThan(0) },
  },
  'POST /api/v1/labels': {
    request: () => ({ path: '/labels', body: { name: 'Agent label' } }),
    agent: forbidden('forbidden_role'),
  },
  'DELETE /api/v1/labels/:labelId': {
    request: () => ({ path: `/labels/${labelId}` }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/conversations/:id/labels': {
    request: () => ({ path: `/conversations/${patient.conversationId}/labels`, body: { labelId } }),
    agent: forbidden('forbidden_queue'),
  },
  'DELETE /api/v1/conversations/:id/labels/:labelId': {
    request: () => ({ path: `/conversations/${patient.conversationId}/labels/${labelId}` }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/conversations/bulk': {
    request: () => ({
      path: '/conversations/bulk',
      body: { conversationIds: [patient.conversationId], action: 'resolve' },
    }),
    agent: forbidden('forbidden_queue'),
  },
  'GET /api/v1/canned-responses': {
    request: () => ({ path: '/canned-responses' }),
    agent: { status: 200, check: () => {} },
  },
  'POST /api/v1/canned-responses': {
    request: () => ({ path: '/canned-responses', body: { shortcut: 'agent', body: 'Hello' } }),
    agent: forbidden('forbidden_role'),
  },
  'PATCH /api/v1/canned-responses/:id': {
    request: () => ({ path: `/canned-responses/${labelId}`, body: { body: 'Changed' } }),
    agent: forbidden('forbidden_role'),
  },
  'DELETE /api/v1/canned-responses/:id': {
    request: () => ({ path: `/canned-responses/${labelId}` }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/queues': {
    request: () => ({ path: '/queues' }),
    agent: { status: 200, check: omits(() => 'nurse-triage') },
  },
  'POST /api/v1/queues': {
    request: () => ({ path: '/queues', body: { id: 'lab-results', name: 'Lab results' } }),
    agent: forbidden('forbidden_role'),
  },
  'PATCH /api/v1/queues/:id': {
    request: () => ({ path: '/queues/billing', body: { name: 'Money' } }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/staff': { request: () => ({ path: '/staff' }), agent: forbidden('forbidden_role') },
  'POST /api/v1/staff': {
    request: () => ({
      path: '/staff',
      body: { email: 'x@clinic.test', name: 'X', role: 'admin', password: 'a-long-enough-password' },
    }),
    agent: forbidden('forbidden_role'),
  },
  'PATCH /api/v1/staff/:id': {
    request: () => ({ path: `/staff/${randomUUID()}`, body: { role: 'admin' } }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/templates': {
    request: () => ({ path: '/templates' }),
    agent: { status: 200, check: () => {} },
  },
  'GET /api/v1/settings': { request: () => ({ path: '/settings' }), agent: forbidden('forbidden_role') },
  'PATCH /api/v1/settings': {
    request: () => ({ path: '/settings', body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/stats/queues': {
    request: () => ({ path: '/stats/queues' }),
    agent: forbidden('forbidden_role'),
  },
  // Patient ratings (src/csat): supervisors and admins.
  'GET /api/v1/stats/csat': {
    request: () => ({ path: '/stats/csat' }),
    agent: forbidden('forbidden_role'),
  },
  // Contact imports and campaigns: admins and managers only (src/campaigns).
  'POST /api/v1/contacts/imports': {
    request: () => ({ path: '/contacts/imports', body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/contacts/imports/:id': {
    request: () => ({ path: `/contacts/imports/${randomUUID()}` }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/contacts/imports/:id/errors.csv': {
    request: () => ({ path: `/contacts/imports/${randomUUID()}/errors.csv` }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns': {
    request: () => ({ path: '/campaigns', body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/campaigns': { request: () => ({ path: '/campaigns' }), agent: forbidden('forbidden_role') },
  'GET /api/v1/campaigns/:id': {
    request: () => ({ path: `/campaigns/${randomUUID()}` }),
    agent: forbidden('forbidden_role'),
  },
  'PATCH /api/v1/campaigns/:id': {
    request: () => ({ path: `/campaigns/${randomUUID()}`, body: { name: 'Renamed' } }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/campaigns/:id/recipients.csv': {
    request: () => ({ path: `/campaigns/${randomUUID()}/recipients.csv` }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/preview': {
    request: () => ({ path: `/campaigns/${randomUUID()}/preview`, body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/start': {
    request: () => ({ path: `/campaigns/${randomUUID()}/start`, body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/pause': {
    request: () => ({ path: `/campaigns/${randomUUID()}/pause`, body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/resume': {
    request: () => ({ path: `/campaigns/${randomUUID()}/resume`, body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/cancel': {
    request: () => ({ path: `/campaigns/${randomUUID()}/cancel`, body: {} }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/audiences': { request: () => ({ path: '/audiences' }), agent: forbidden('forbidden_role') },
  'POST /api/v1/audiences': {
    request: () => ({ path: '/audiences', body: { name: 'Seniors', filter: { ageMin: 65 } } }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/audiences/count': {
    request: () => ({ path: '/audiences/count', body: { filter: { ageMin: 65 } } }),
    agent: forbidden('forbidden_role'),
  },
  'GET /api/v1/audiences/:id': {
    request: () => ({ path: `/audiences/${randomUUID()}` }),
    agent: forbidden('forbidden_role'),
  },
  'PATCH /api/v1/audiences/:id': {
    request: () => ({ path: `/audiences/${randomUUID()}`, body: { name: 'Renamed' } }),
    agent: forbidden('forbidden_role'),
  },
  'DELETE /api/v1/audiences/:id': {
    request: () => ({ path: `/audiences/${randomUUID()}` }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/campaigns/:id/test-send': {
    request: () => ({ path: `/campaigns/${randomUUID()}/test-send`, body: { to: '+15555550100' } }),
    agent: forbidden('forbidden_role'),
  },
  // Classifies text the caller typed: no patient's data in or out.
  'POST /api/v1/triage/classify': {
    request: () => ({ path: '/triage/classify', body: { text: 'when is my appointment' } }),
    agent: { status: 200, check: () => {} },
  },
  'GET /api/v1/triage/intents': {
    request: () => ({ path: '/triage/intents' }),
    agent: { status: 200, check: () => {} },
  },
  // Staff corrections in the eval format: the clinic's, for an admin.
  'GET /api/v1/triage/overrides.jsonl': {
    request: () => ({ path: '/triage/overrides.jsonl' }),
    agent: forbidden('forbidden_role'),
  },
  'POST /api/v1/messages/:id/retry': {
    request: () => ({ path: `/messages/${patient.messageId}/retry`, body: {} }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/messages/:id/triage-override': {
    request: () => ({ path: `/messages/${patient.messageId}/triage-override`, body: { queue: 'billing' } }),
    agent: forbidden('forbidden_queue'),
  },
  // A new contact is a new person; one whose phone is taken says so without naming the owner.
  'POST /api/v1/contacts': {
    request: () => ({ path: '/contacts', body: { name: 'Someone', phone: patient.phone } }),
    agent: {
      status: 409,
      check: (b) => {
        expect(b.error?.code).toBe('identity_taken');
        expect(JSON.stringify(b)).not.toContain(patient.contactId);
      },
    },
  },
  'PATCH /api/v1/contacts/:id': {
    request: () => ({ path: `/contacts/${patient.contactId}`, body: { email: 'attacker@example.org' } }),
    agent: forbidden('forbidden_contact'),
  },
  'GET /api/v1/contacts/:id': { request: contactPath(), agent: forbidden('forbidden_contact') },
  'GET /api/v1/contacts/:id/conversations': {
    request: contactPath('/conversations'),
    agent: forbidden('forbidden_contact'),
  },
  'GET /api/v1/contacts/:id/consents': {
    request: contactPath('/consents'),
    agent: forbidden('forbidden_contact'),
  },
  'POST /api/v1/contacts/:id/consents': {
    request: () => ({
      path: `/contacts/${patient.contactId}/consents`,
      body: {
        channel: 'email',
        purpose: 'unencrypted_phi',
        status: 'opted_in',
        warningText: 'email is not private',
      },
    }),
    agent: forbidden('forbidden_contact'),
  },
  'GET /api/v1/contacts/:id/duplicates': {
    request: contactPath('/duplicates'),
    agent: forbidden('forbidden_contact'),
  },
  'POST /api/v1/contacts/:id/duplicates/:suggestionId/dismiss': {
    request: () => ({
      path: `/contacts/${patient.contactId}/duplicates/${patient.suggestionId}/dismiss`,
      body: {},
    }),
    agent: forbidden('forbidden_contact'),
  },
  'GET /api/v1/attachments/:id': {
    request: () => ({ path: patient.attachmentUrl.replace('/api/v1', '') }),
    agent: forbidden('forbidden_queue'),
  },
  'POST /api/v1/outbound': {
    request: () => ({
      path: '/outbound',
      body: {
        to: { contactId: patient.contactId },
        channel: 'email',
        body: 'your results',
        sensitivity: 'phi',
      },
    }),
    agent: forbidden('forbidden_contact'),
  },
  'POST /api/v1/policy/check': {
    request: () => ({ path: '/policy/check', body: { to: { phone: patient.phone }, body: 'your results' } }),
    agent: forbidden('forbidden_contact'),
  },
  'POST /api/v1/appointments': {
    request: () => ({
      path: '/appointments',
      body: {
        contactId: patient.contactId,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        location: 'X',
      },
    }),
    agent: forbidden('forbidden_contact'),
  },
  'GET /api/v1/appointments/:id': {
    request: () => ({ path: `/appointments/${patient.appointmentId}` }),
    agent: forbidden('forbidden_contact'),
  },
  'POST /api/v1/appointments/:id/reminders': {
    request: () => ({ path: `/appointments/${patient.appointmentId}/reminders`, body: {} }),
    agent: forbidden('forbidden_contact'),
  },
  // The channels the hub runs and their labels: no patient's data, so every staff member reads them.
  'GET /api/v1/channels': {
    request: () => ({ path: '/channels' }),
    agent: {
      status: 200,
      check: (b) =>
        expect(b.channels).toContainEqual({
          channel: 'sms',
          label: 'SMS',
          title: 'SMS',
          mark: 'SMS',
          identityKind: 'phone',
          delivers: true,
        }),
    },
  },
  'GET /api/v1/sandbox/channels': {
    request: () => ({ path: '/sandbox/channels' }),
    agent: { status: 200, check: () => {} },
  },
  'GET /api/v1/sandbox/addresses': {
    request: () => ({ path: '/sandbox/addresses?channel=sms' }),
    agent: {
      status: 200,
      check: (b) => {
        const addresses = (b.addresses as { address: string }[]).map((a) => a.address);
        expect(addresses).toContain(own.phone);
        expect(addresses).not.toContain(patient.phone);
      },
    },
  },
  'GET /api/v1/sandbox/threads': {
    request: () => ({ path: `/sandbox/threads?channel=sms&address=${encodeURIComponent(patient.phone)}` }),
    agent: { status: 200, check: (b) => expect([b.messages, b.conversationIds]).toEqual([[], []]) },
  },
  // Plays a patient through the channel's own signed webhook, which anyone may write to as a patient.
  'POST /api/v1/sandbox/:channel/inbound': {
    request: () => ({ path: '/sandbox/sms/inbound', body: { from: randomUsPhone(), body: 'hello' } }),
    agent: { status: 202, check: () => {} },
  },
};

const send = (api: StaffApi, method: string, route: { path: string; body?: object }) =>
  method === 'GET'
    ? api.get(route.path)
    : method === 'DELETE'
      ? api.delete(route.path)
      : method === 'PATCH'
        ? api.patch(route.path, route.body ?? {})
        : api.post(route.path, route.body ?? {});

test('every route mounted under /api/v1 is in the access table, and nothing else is', () => {
  const mounted = mountedRoutes(t.hub.app)
    .filter((r) => r.path.startsWith('/api/v1/'))
    .map((r) => `${r.method} ${r.path}`);
  // A middleware mounted on several paths (Idempotency-Key) lists them again: each route once.
  expect([...new Set(mounted)].sort()).toEqual(Object.keys(STAFF_ROUTES).sort());
});

test.each(Object.entries(STAFF_ROUTES))('%s: 401 without a session', async (key, route) => {
  const [method] = key.split(' ');
  const anonymous: StaffApi = {
    get: (path) => request(t.hub.url).get(`/api/v1${path}`),
    post: (path, body) => request(t.hub.url).post(`/api/v1${path}`).send(body),
    patch: (path, body) => request(t.hub.url).patch(`/api/v1${path}`).send(body),
    delete: (path) => request(t.hub.url).delete(`/api/v1${path}`),
  };
  const res = await send(anonymous, method!, route.request());
  if (route.anonymous === 'public') expect(res.status).not.toBe(401);
  else {
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  }
});

test.each(Object.entries(STAFF_ROUTES))(
  '%s: as a billing agent, against a nurse-triage patient',
  async (key, route) => {
    const [method] = key.split(' ');
    const api = route.freshSession
      ? staffApiAs(t.hub.url, await login('billing.agent@clinic.test', 'a-long-enough-password'))
      : billing;
    const res = await send(api, method!, route.request());
    expect(res.status).toBe(route.agent.status);
    if ('code' in route.agent) expect(res.body.error.code).toBe(route.agent.code);
    else route.agent.check(res.body as Body);
  },
);

describe('after all that, the nurse-triage patient', () => {
  test('is as she was: email, date of birth, consents, no message and no appointment from the agent', async () => {
    const [contact] = await queryRows<{ date_of_birth: string }>(
      t.database.url,
      "select to_char(date_of_birth, 'YYYY-MM-DD') as date_of_birth from contacts where id = $1",
      [patient.contactId],
    );
    expect(contact!.date_of_birth).toBe('1961-04-02');
    const emails = await queryRows<{ address: string }>(
      t.database.url,
      "select address from contact_identities where contact_id = $1 and kind = 'email'",
      [patient.contactId],
    );
    expect(emails.map((e) => e.address)).toEqual([patient.email]);
    expect(
      await queryRows(t.database.url, 'select 1 from consent_ledger where contact_id = $1', [
        patient.contactId,
      ]),
    ).toHaveLength(0);
    const [agent] = await queryRows<{ id: string }>(
      t.database.url,
      "select id from staff_users where email = 'billing.agent@clinic.test'",
    );
    expect(
      await queryRows(t.database.url, 'select 1 from messages where author_staff_id = $1', [agent!.id]),
    ).toHaveLength(0);
    expect(
      await queryRows(t.database.url, 'select 1 from appointments where contact_id = $1', [
        patient.contactId,
      ]),
    ).toHaveLength(1);
  });
});

describe('an agent of the patient’s queue', () => {
  test('reads and serves her contact, but may not change her addresses, birth date or PHI consent', async () => {
    const read = await nurse.get(`/contacts/${patient.contactId}`).expect(200);
    expect(read.body.contact.dateOfBirth).toBe('1961-04-02');
    await nurse.patch(`/contacts/${patient.contactId}`, { language: 'es' }).expect(200);
    for (const change of [
      { email: 'new@example.org' },
      { phone: randomUsPhone() },
      { dateOfBirth: '1970-01-01' },
      { email: null },
    ]) {
      const denied = await nurse.patch(`/contacts/${patient.contactId}`, change).expect(403);
      expect(denied.body.error.code).toBe('identity_change_forbidden');
    }
    const consent = await nurse
      .post(`/contacts/${patient.contactId}/consents`, {
        channel: 'email',
        purpose: 'unencrypted_phi',
        status: 'opted_in',
        warningText: 'email is not private',
      })
      .expect(403);
    expect(consent.body.error.code).toBe('identity_change_forbidden');
    // Withdrawing it only narrows what may be sent: whoever serves the patient may record that.
    await nurse
      .post(`/contacts/${patient.contactId}/consents`, {
        channel: 'email',
        purpose: 'unencrypted_phi',
        status: 'opted_out',
      })
      .expect(201);
    // Her own queue's patient is hers to create a look-alike of: the 409 names the owner.
    const taken = await nurse.post('/contacts', { phone: patient.phone }).expect(409);
    expect(taken.body.error.details).toEqual({ contactId: patient.contactId });
  });

  test('sees the sandbox thread and address of her queue’s patient', async () => {
    const addresses = await nurse.get('/sandbox/addresses?channel=sms').expect(200);
    expect(addresses.body.addresses.map((a: { address: string }) => a.address)).toContain(patient.phone);
    expect(addresses.body.addresses.map((a: { address: string }) => a.address)).not.toContain(own.phone);
    const thread = await nurse
      .get(`/sandbox/threads?channel=sms&address=${encodeURIComponent(patient.phone)}`)
      .expect(200);
    expect(thread.body.conversationIds).toEqual([patient.conversationId]);
  });

  test('lists a possible duplicate only when she may read the other contact too', async () => {
    const mine = await nurse.get(`/contacts/${patient.contactId}/duplicates`).expect(200);
    expect(mine.body.duplicates).toEqual([]);
    const all = await supervisor.get(`/contacts/${patient.contactId}/duplicates`).expect(200);
    expect(all.body.duplicates.map((d: { contact: { id: string } }) => d.contact.id)).toEqual([
      own.contactId,
    ]);
  });
});

describe('a supervisor', () => {
  test('changes identity fields and records PHI consent; the 409 names the owner to her', async () => {
    await supervisor.patch(`/contacts/${patient.contactId}`, { dateOfBirth: '1961-04-03' }).expect(200);
    await supervisor
      .post(`/contacts/${patient.contactId}/consents`, {
        channel: 'email',
        purpose: 'unencrypted_phi',
        status: 'opted_in',
        warningText: 'email is not private',
      })
      .expect(201);
    const taken = await supervisor.post('/contacts', { phone: patient.phone }).expect(409);
    expect(taken.body.error.details).toEqual({ contactId: patient.contactId });
  });
});

test('an agent writing to a new address creates that person; to a known one, only when she reaches her', async () => {
  const fresh = randomUsPhone();
  await billing
    .post('/outbound', {
      to: { phone: fresh },
      body: 'Your statement is ready',
      sensitivity: 'public',
      purpose: 'administrative',
    })
    .expect(202);
  const denied = await billing
    .post('/outbound', { to: { email: patient.email }, body: 'your results', sensitivity: 'phi' })
    .expect(403);
  expect(denied.body.error.code).toBe('forbidden_contact');
  await billing
    .post('/outbound', {
      to: { contactId: own.contactId },
      body: 'Your statement is ready',
      sensitivity: 'public',
      purpose: 'administrative',
    })
    .expect(202);
});

test('reopening names the patient’s other open conversation only to staff who see its queue', async () => {
  // The billing patient's conversation resolved; she then writes about chest pain: a nurse-triage one.
  await billing.post(`/conversations/${own.conversationId}/resolve`, {}).expect(200);
  const phone = own.phone;
  await admin
    .post('/sandbox/sms/inbound', { from: phone, body: 'now I have crushing chest pain too' })
    .expect(202);
  const active = await eventually(async () => {
    const [row] = await queryRows<{ id: string }>(
      t.database.url,
      "select id from conversations where contact_id = $1 and status <> 'resolved' and queue = 'nurse-triage'",
      [own.contactId],
    );
    return row?.id;
  });
  const hidden = await billing.post(`/conversations/${own.conversationId}/reopen`, {}).expect(409);
  expect(hidden.body.error.code).toBe('conversation_active_elsewhere');
  expect(JSON.stringify(hidden.body)).not.toContain(active);
  const shown = await supervisor.post(`/conversations/${own.conversationId}/reopen`, {}).expect(409);
  expect(shown.body.error.details).toEqual({ conversationId: active });
});

test('staff API answers, the login included, are never cached', async () => {
  const answers = [
    await request(t.hub.url)
      .post('/api/v1/auth/login')
      .send({ email: 'lead@clinic.test', password: 'a-long-enough-password' }),
    await billing.get(`/conversations/${own.conversationId}`),
    await billing.get(`/contacts/${patient.contactId}`),
    await request(t.hub.url).get('/api/v1/conversations'),
    await billing.get('/no-such-route'),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 403, 401, 404]);
  for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
});
