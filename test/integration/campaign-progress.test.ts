import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { startCampaignProgress } from '../../src/campaigns/campaign-progress';
import { openDatabase } from '../../src/platform/db/database';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  staffApiAs,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// A campaign's figures per channel and language, its time series, and its live progress on the
// `/inbox` socket: a manager receives it, an agent (who may not see campaigns) never does.
jest.setTimeout(90_000);

let t: TestHub;
let admin: StaffApi;
const sockets: Socket[] = [];

async function staffMember(email: string, role: 'agent' | 'manager') {
  const { token } = await signedInStaff(t, {
    email,
    name: email,
    role,
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  });
  return token;
}

/** A socket on `/inbox` with a staff token, and every `campaign.progress` it receives. */
async function progressOf(token: string) {
  const socket = connect(`${t.hub.url}/inbox`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const received: { id: string; status: string; stats: Record<string, unknown> }[] = [];
  socket.on('campaign.progress', (payload) => received.push(payload));
  await new Promise<void>((resolve, reject) => {
    socket.once('inbox.ready', () => resolve());
    socket.once('connect_error', reject);
  });
  return received;
}

beforeAll(async () => {
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: '20' } });
  admin = await t.api();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t.stop();
});

test('figures per channel and language with failures by code and a time series, pushed live to managers and never to agents', async () => {
  const managerToken = await staffMember('progress-manager@clinic.test', 'manager');
  const agentToken = await staffMember('progress-agent@clinic.test', 'agent');
  const manager = staffApiAs(t.hub.url, managerToken);
  const toManager = await progressOf(managerToken);
  const toAgent = await progressOf(agentToken);

  const tag = `pg${Date.now().toString(36)}`;
  const zone = middayTimeZone();
  // en-0, en-1, es-2, es-3 opt in; es-4 never did (skipped, still counted under its language).
  const languages = ['en', 'en', 'es', 'es', 'es'];
  const phones = languages.map(() => randomUsPhone());
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map(
      (phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,${languages[i]},${zone},${tag}`,
    ),
  ].join('\n');
  const upload = await request(t.hub.url)
    .post('/api/v1/contacts/imports')
    .set('Authorization', `Bearer ${managerToken}`)
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(202);
  await eventually(async () => {
    const res = await manager.get(`/contacts/imports/${upload.body.id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  });
  const ids = await queryRows<{ id: string }>(
    t.database.url,
    'select id from contacts where tags @> $1::jsonb order by external_id',
    [JSON.stringify([tag])],
  );
  for (const { id } of ids.slice(0, 4)) {
    await admin
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }
  // The carrier refuses en-1's number for good.
  t.twilio.enqueueReplies({
    to: phones[1]!,
    kind: 'error',
    status: 400,
    code: 21211,
    message: "The 'To' number is not a valid phone number.",
  });

  const created = await manager
    .post('/campaigns', {
      name: `Progress ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  await manager.post(`/campaigns/${id}/start`, {}).expect(200);

  // Pushed, not polled: the manager's socket hears the campaign complete with its figures.
  const completed = await eventually(
    async () => toManager.find((p) => p.id === id && p.status === 'completed'),
    30_000,
  );
  expect(completed.stats).toMatchObject({ recipients: 5, sent: 3, failed: 1 });

  // Two deliveries reported by the carrier, and a reply from es-2.
  const sids = t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  const sidOf = (i: number) => sids.find((m) => m.params.To === phones[i])!.sid;
  await t.postStatus({ MessageSid: sidOf(0), MessageStatus: 'delivered', To: phones[0]! }).expect(200);
  await t.postStatus({ MessageSid: sidOf(2), MessageStatus: 'delivered', To: phones[2]! }).expect(200);
  await t.postInboundSms({ From: phones[2]!, Body: 'yes please book me in' }).expect(200);

  const pushed = await eventually(async () =>
    toManager.find(
      (p) =>
        p.id === id &&
        (p.stats as { delivered: number; replied: number }).delivered === 2 &&
        (p.stats as { replied: number }).replied === 1,
    ),
  );
  const { body } = await manager.get(`/campaigns/${id}`).expect(200);
  // The socket carries exactly what the API answers.
  expect(pushed.stats).toEqual(body.stats);
  const failure = { twilio_21211: 1 };
  // No secure link (the template is public), no reminder to confirm, no appointment booked.
  const noOutcomes = { linkOpened: 0, confirmed: 0, booked: 0 };
  expect(body.stats).toMatchObject({
    recipients: 5,
    sent: 3,
    delivered: 2,
    failed: 1,
    failedByCode: failure,
    replied: 1,
    skipped: { marketing_requires_opt_in: 1 },
  });
  expect(body.stats.byChannel).toEqual({
    sms: {
      recipients: 4,
      sent: 3,
      delivered: 2,
      failed: 1,
      failedByCode: failure,
      replied: 1,
      optedOut: 0,
      ...noOutcomes,
    },
  });
  expect(body.stats.byLocale).toEqual({
    en: {
      recipients: 2,
      sent: 1,
      delivered: 1,
      failed: 1,
      failedByCode: failure,
      replied: 0,
      optedOut: 0,
      ...noOutcomes,
    },
    es: {
      recipients: 3,
      sent: 2,
      delivered: 1,
      failed: 0,
      failedByCode: {},
      replied: 1,
      optedOut: 0,
      ...noOutcomes,
    },
  });
  const { series } = body.stats as {
    series: { bucketSeconds: number; points: { at: string; sent: number; delivered: number }[] };
  };
  expect(series.bucketSeconds).toBe(60);
  expect(series.points.reduce((a, p) => a + p.sent, 0)).toBe(3);
  expect(series.points.reduce((a, p) => a + p.delivered, 0)).toBe(2);
  for (const p of series.points) expect(new Date(p.at).getTime() % 60_000).toBe(0);

  // The agent's socket heard message events of its queue, but not one campaign figure.
  expect(toAgent).toEqual([]);
  // Counts and ids only: no body, name or number of a patient.
  const serialized = JSON.stringify(toManager);
  for (const phone of phones) expect(serialized).not.toContain(phone);
  expect(serialized).not.toContain('Patient 2');
});

test('figures nobody watches are not counted; once someone is in the room they are pushed', async () => {
  const handle = await openDatabase({ url: t.database.url, poolSize: 2 });
  const created = await admin
    .post('/campaigns', {
      name: `Unwatched ${Date.now().toString(36)}`,
      template: 'recall-outreach',
      audience: { filter: { tags: ['nobody-has-this-tag'] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  let counted = 0;
  let watching = false;
  const emitted: { orgId: string; payload: unknown }[] = [];
  const progress = startCampaignProgress({
    db: handle.db,
    events: new EventEmitter(),
    logger: pino({ level: 'silent' }),
    intervalMs: 20,
    figures: async () => {
      counted += 1;
      return { id, counted };
    },
  });
  try {
    progress.attach({
      emit: (orgId, _event, payload) => emitted.push({ orgId, payload }),
      watched: async () => watching,
    });
    // Nobody in the room: a touch (a send, a skip, a state change) costs no figures query.
    progress.touch(id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counted).toBe(0);
    expect(emitted).toEqual([]);

    // A manager joins: the next movement is counted once and pushed.
    watching = true;
    progress.touch(id);
    await eventually(async () => (emitted.length > 0 ? emitted : undefined));
    expect(counted).toBe(1);
    expect(emitted).toEqual([{ orgId: expect.any(String), payload: { id, counted: 1 } }]);
  } finally {
    progress.close();
    await handle.close();
  }
});

test('the campaigns of a flush of message events are found in one query', async () => {
  const handle = await openDatabase({ url: t.database.url, poolSize: 2 });
  let statements = 0;
  // Counts the raw statements of the flush (the figures are injected below and count none).
  const db = new Proxy(handle.db, {
    get(target, prop, receiver) {
      if (prop !== 'execute') return Reflect.get(target, prop, receiver);
      return (...args: Parameters<typeof target.execute>) => {
        statements += 1;
        return target.execute(...args);
      };
    },
  });
  const events = new EventEmitter();
  const progress = startCampaignProgress({
    db,
    events,
    logger: pino({ level: 'silent' }),
    intervalMs: 20,
    figures: async () => ({}),
  });
  try {
    progress.attach({ emit: () => undefined, watched: async () => true });
    for (const type of ['message.created', 'message.status', 'message.failed']) {
      events.emit(type, { type, messageId: randomUUID() });
    }
    await eventually(async () => (statements > 0 ? statements : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statements).toBe(1);
  } finally {
    progress.close();
    await handle.close();
  }
});

test('a manager who joins is sent the figures as they stand at once, with no movement; an agent is not', async () => {
  const created = await admin
    .post('/campaigns', {
      name: `Joined ${Date.now().toString(36)}`,
      template: 'recall-outreach',
      audience: { filter: { tags: ['nobody-has-this-tag'] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  // Paused behind the API's back: no transition, so nothing touches the campaign and nothing moves.
  await queryRows(
    t.database.url,
    `update campaigns set status = 'paused', started_at = now() where id = $1`,
    [id],
  );
  const toAgent = await progressOf(await staffMember('joining-agent@clinic.test', 'agent'));
  const managerToken = await staffMember('joining-manager@clinic.test', 'manager');
  const toManager = await progressOf(managerToken);

  const pushed = await eventually(async () => toManager.find((p) => p.id === id), 5000);
  const { body } = await staffApiAs(t.hub.url, managerToken).get(`/campaigns/${id}`).expect(200);
  expect(pushed).toEqual(body);
  expect(pushed.status).toBe('paused');
  // Once, and to the one who joined only.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(toManager.filter((p) => p.id === id)).toHaveLength(1);
  expect(toAgent).toEqual([]);
});
