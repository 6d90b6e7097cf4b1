import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { importOptedInAudience } from '../support/opted-in-audience';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  PUBLIC_URL,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// What a campaign achieved beyond its sends: secure links opened, confirmations of a reminder read by
// triage, and appointments booked after the message (campaign-outcomes.ts), in the figures, per
// channel and language, in the recipients' CSV and in the live progress event.
jest.setTimeout(120_000);

let t: TestHub;
let admin: StaffApi;
let manager: StaffApi;
let managerToken: string;
let socket: Socket;
const pushed: { id: string; status: string; stats: Record<string, unknown> }[] = [];

beforeAll(async () => {
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: '20' } });
  admin = await t.api();
  ({ api: manager, token: managerToken } = await signedInStaff(t, {
    email: 'results-manager@clinic.test',
    name: 'Results Manager',
    role: 'manager',
    password: 'a-long-enough-password',
    queues: ['front-desk'],
  }));
  socket = connect(`${t.hub.url}/inbox`, {
    auth: { token: managerToken },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  socket.on('campaign.progress', (payload) => pushed.push(payload));
  await new Promise<void>((resolve, reject) => {
    socket.once('inbox.ready', () => resolve());
    socket.once('connect_error', reject);
  });
});
afterAll(async () => {
  socket?.disconnect();
  await t.stop();
});

const zone = middayTimeZone();
const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString();

async function runToCompletion(body: object): Promise<string> {
  const id = (await manager.post('/campaigns', body).expect(201)).body.id as string;
  await manager.post(`/campaigns/${id}/start`, {}).expect(200);
  await eventually(async () => {
    const res = await manager.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  });
  return id;
}

const statsOf = async (id: string) => (await manager.get(`/campaigns/${id}`).expect(200)).body.stats;

/** The recipients' CSV as objects keyed by its header, by contact id. */
async function recipientsCsv(
  id: string,
): Promise<{ header: string[]; rows: Map<string, Record<string, string>> }> {
  const res = await request(t.hub.url)
    .get(`/api/v1/campaigns/${id}/recipients.csv`)
    .set('Authorization', `Bearer ${managerToken}`)
    .expect(200);
  const [head, ...lines] = res.text.trim().split('\n');
  const header = head!.split(',');
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const cells = line.split(',');
    const row = Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
    rows.set(row.contactId!, row);
  }
  return { header, rows };
}

// The front desk books it (the admin here; a manager works the inbox as an agent does).
const book = (contactId: string) =>
  admin
    .post('/appointments', { contactId, startsAt: inThreeDays, location: 'Riverside, room 2' })
    .expect(201)
    .then((res) => res.body.appointment.id as string);

test('opened links, confirmations read by triage and bookings after the message are counted for the campaign that caused them, and only those', async () => {
  const tag = `res${Date.now().toString(36)}`;
  // A reminder campaign to a0..a6; a6 also gets the later pre-visit campaign (tag B), as do b0, b1.
  const people = [
    { key: 'a0', language: 'en', tags: [tag] }, // replies "yes": confirmed
    { key: 'a1', language: 'es', tags: [tag] }, // replies with a question: replied, not confirmed
    { key: 'a2', language: 'es', tags: [tag] }, // books after the message: booked
    { key: 'a3', language: 'es', tags: [tag] }, // booked before the campaign: not booked
    { key: 'a4', language: 'en', tags: [tag] }, // books, then the appointment is cancelled
    { key: 'a5', language: 'en', tags: [tag] }, // books 8 days after the message: past the window
    { key: 'a6', language: 'en', tags: [tag, `${tag}b`] }, // books after the second campaign's message
    { key: 'b0', language: 'en', tags: [`${tag}b`] }, // opens the secure link
    { key: 'b1', language: 'es', tags: [`${tag}b`] }, // never opens it
  ].map((p) => ({ ...p, phone: randomUsPhone() }));
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...people.map(
      (p) =>
        `${tag}-${p.key},Patient ${p.key},${p.phone},1960-04-05,${p.language},${zone},${p.tags.join(';')}`,
    ),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  const contacts = await queryRows<{ id: string; external_id: string }>(
    t.database.url,
    'select id, external_id from contacts where external_id like $1',
    [`${tag}-%`],
  );
  const idOf = (key: string) => contacts.find((c) => c.external_id === `${tag}-${key}`)!.id;
  const phoneOf = (key: string) => people.find((p) => p.key === key)!.phone;

  // a3's appointment was made before the campaign (it is the one the reminder is about).
  await book(idOf('a3'));

  const reminder = await runToCompletion({
    name: `Reminder ${tag}`,
    template: 'appointment-reminder',
    audience: { filter: { tags: [tag] } },
    variables: { appointmentTime: inThreeDays, location: 'Riverside, room 2' },
  });

  // Replies, triaged as usual (the webhook stores them; the triage job attributes and reads them).
  await t.postInboundSms({ From: phoneOf('a0'), Body: 'yes' }).expect(200);
  await t.postInboundSms({ From: phoneOf('a1'), Body: 'Is there parking near the clinic?' }).expect(200);
  const triaged = await eventually(async () => {
    const rows = await queryRows<{ contact_id: string; campaign_id: string | null; intent: string | null }>(
      t.database.url,
      `select contact_id, campaign_id, triage->>'intent' as intent from messages
        where contact_id = any($1::uuid[]) and direction = 'inbound'`,
      [[idOf('a0'), idOf('a1')]],
    );
    return rows.length === 2 && rows.every((r) => r.intent !== null) ? rows : undefined;
  });
  expect(triaged.find((r) => r.contact_id === idOf('a0'))).toMatchObject({
    campaign_id: reminder,
    intent: 'confirm',
  });
  expect(triaged.find((r) => r.contact_id === idOf('a1'))).toMatchObject({ campaign_id: reminder });
  expect(triaged.find((r) => r.contact_id === idOf('a1'))!.intent).not.toBe('confirm');

  // Bookings after the message.
  await book(idOf('a2'));
  const cancelled = await book(idOf('a4'));
  // No staff route cancels an appointment (a patient's "2" to its reminder does, through triage).
  await queryRows(t.database.url, `update appointments set status = 'cancelled' where id = $1`, [cancelled]);
  // a5's message went out eight days ago: a booking now is past the seven-day window.
  await queryRows(
    t.database.url,
    `update messages set sent_at = sent_at - interval '8 days' where contact_id = $1 and direction = 'outbound'`,
    [idOf('a5')],
  );
  await book(idOf('a5'));

  // The second campaign: PHI by SMS goes behind a secure link (the SMS carries only a notice).
  const previsit = await runToCompletion({
    name: `Pre-visit ${tag}`,
    template: 'pre-visit-instructions',
    audience: { filter: { tags: [`${tag}b`] } },
    variables: { appointmentTime: inThreeDays, instructions: 'Nothing to eat after midnight.' },
  });
  const noticeTo = (key: string) =>
    String(
      t.twilio.messages.find((m) => m.params.To === phoneOf(key) && /\/s\//.test(String(m.params.Body)))!
        .params.Body,
    );
  const linkOf = (key: string) => new RegExp(`${PUBLIC_URL}(/s/[A-Za-z0-9_-]+)`).exec(noticeTo(key))![1]!;
  expect(noticeTo('b0')).not.toContain('midnight');
  // b0 opens the link (the page that asks for the date of birth); b1 and a6 never do.
  await request(t.hub.url).get(linkOf('b0')).expect(200);
  // a6 books after the pre-visit message: it counts for that campaign, not the reminder before it.
  await book(idOf('a6'));

  const figures = (f: Record<string, number>) => ({ linkOpened: 0, confirmed: 0, booked: 0, ...f });
  const reminderStats = await statsOf(reminder);
  expect(reminderStats).toMatchObject({
    recipients: 7,
    sent: 7,
    replied: 2,
    ...figures({ confirmed: 1, booked: 1 }),
  });
  expect(reminderStats.byChannel.sms).toMatchObject(figures({ recipients: 7, confirmed: 1, booked: 1 }));
  expect(reminderStats.byLocale.en).toMatchObject(figures({ recipients: 4, confirmed: 1 }));
  expect(reminderStats.byLocale.es).toMatchObject(figures({ recipients: 3, booked: 1 }));

  const previsitStats = await statsOf(previsit);
  expect(previsitStats).toMatchObject({ recipients: 3, sent: 3, ...figures({ linkOpened: 1, booked: 1 }) });
  expect(previsitStats.byChannel.sms).toMatchObject(figures({ recipients: 3, linkOpened: 1, booked: 1 }));
  expect(previsitStats.byLocale.en).toMatchObject(figures({ recipients: 2, linkOpened: 1, booked: 1 }));
  expect(previsitStats.byLocale.es).toMatchObject(figures({ recipients: 1 }));

  // The CSV: the new columns come after the ones there were; one yes each, for the right recipient.
  const reminderCsv = await recipientsCsv(reminder);
  expect(reminderCsv.header.slice(-4)).toEqual(['replied', 'linkOpened', 'confirmed', 'booked']);
  const yes = (rows: Map<string, Record<string, string>>, column: string) =>
    [...rows.values()].filter((row) => row[column] === 'yes').map((row) => row.contactId);
  expect(yes(reminderCsv.rows, 'confirmed')).toEqual([idOf('a0')]);
  expect(yes(reminderCsv.rows, 'booked')).toEqual([idOf('a2')]);
  expect(yes(reminderCsv.rows, 'linkOpened')).toEqual([]);
  const previsitCsv = await recipientsCsv(previsit);
  expect(yes(previsitCsv.rows, 'linkOpened')).toEqual([idOf('b0')]);
  expect(yes(previsitCsv.rows, 'booked')).toEqual([idOf('a6')]);
  expect(yes(previsitCsv.rows, 'confirmed')).toEqual([]);

  // Live: an opened link and a booking announce no message, yet the campaigns' figures are pushed,
  // and the last push of each comes to carry what the API answers. Waited for as a whole: a6's
  // booking pushes both campaigns in one flush, one after the other, and the SQL edits above (the
  // cancellation, the backdated send) push nothing, so an earlier push can already show the counts
  // asked for while its series still has a5's send in today's minute.
  const lastPush = (id: string) => pushed.filter((p) => p.id === id).at(-1)?.stats;
  for (const id of [reminder, previsit]) {
    await eventually(async () => {
      expect(lastPush(id)).toEqual(await statsOf(id));
      return true;
    });
  }
  expect(lastPush(reminder)).toMatchObject({ confirmed: 1, booked: 1 });
  expect(lastPush(previsit)).toMatchObject({ linkOpened: 1, booked: 1 });
});
