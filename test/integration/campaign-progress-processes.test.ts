import { io as connect, type Socket } from 'socket.io-client';
import { importOptedInAudience } from '../support/opted-in-audience';
import { signedInStaff } from '../support/staff-accounts';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// Live campaign figures are counted only while someone is in the clinic's campaign room, whichever
// hub process holds that socket: two full hub processes on one database and one Redis prefix (the
// socket.io redis-streams adapter). The manager's socket is on A, which runs no workers; the
// campaign is started, sent, completed and its delivery reported through B, which has nobody in the
// room of its own and must ask A (campaign-progress.ts, socketSink.watched) before it counts.
jest.setTimeout(90_000);

let b: TestHub;
let a: TestHub;
let api: StaffApi;
let socket: Socket | undefined;

beforeAll(async () => {
  b = await startTestHub({ env: { CAMPAIGN_SEND_RATE: '20' } });
  a = await startTestHub({
    database: b.database,
    queuePrefix: b.queuePrefix,
    twilio: b.twilio,
    runWorkers: false,
  });
  api = await b.api();
});
afterAll(async () => {
  socket?.disconnect();
  await a.stop();
  await b.stop();
});

test('a manager connected to hub A receives the progress of a campaign that hub B moves', async () => {
  const { token } = await signedInStaff(b, {
    email: 'two-hubs-manager@clinic.test',
    name: 'Two hubs manager',
    role: 'manager',
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  });
  socket = connect(`${a.hub.url}/inbox`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const received: { id: string; status: string; stats: { sent: number; delivered: number } }[] = [];
  socket.on('campaign.progress', (payload) => received.push(payload));
  await new Promise<void>((resolve, reject) => {
    socket!.once('inbox.ready', () => resolve());
    socket!.once('connect_error', reject);
  });
  // B sees A's socket in the room through the adapter before anything moves, and has none of its own.
  await eventually(async () => (await b.hub.io.of('/inbox').fetchSockets()).some((s) => s.id === socket!.id));
  expect(b.hub.io.of('/inbox').adapter.rooms.get(`campaigns:${b.hub.org.id}`)).toBeUndefined();

  const tag = `th${Date.now().toString(36)}`;
  const phone = randomUsPhone();
  await importOptedInAudience(
    b,
    api,
    [
      'externalId,name,phone,dateOfBirth,language,timeZone,tags',
      `${tag}-0,Patient 0,${phone},1950-01-02,en,${middayTimeZone()},${tag}`,
    ].join('\n'),
    tag,
  );
  const created = await api
    .post('/campaigns', {
      name: `Two hubs ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  await api.post(`/campaigns/${id}/start`, {}).expect(200);

  // B's workers send it and complete it; A, which runs none and committed nothing, pushed none of it.
  const completed = await eventually(async () =>
    received.find((p) => p.id === id && p.status === 'completed' && p.stats.sent === 1),
  );
  expect(completed.stats.delivered).toBe(0);

  // The carrier's delivery report reaches B: a message event of B's, its figures pushed to A's socket.
  const sid = b.twilio.messages.find((m) => m.params.To === phone)!.sid;
  await b.postStatus({ MessageSid: sid, MessageStatus: 'delivered', To: phone }).expect(200);
  const delivered = await eventually(async () =>
    received.find((p) => p.id === id && p.stats.delivered === 1),
  );
  const { body } = await api.get(`/campaigns/${id}`).expect(200);
  expect(delivered.stats).toEqual(body.stats);
});
