import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import request from 'supertest';
import { planRecipients } from '../../src/campaigns/campaign-planner';
import { initCampaignSendQueue } from '../../src/campaigns/campaign-send-worker';
import { sweepOutbox } from '../../src/outbound/outbox-sweeper';
import { campaigns } from '../../src/platform/db/campaign-schema';
import { JOB_QUEUE_NAMES } from '../../src/platform/queues/queue-names';
import { importOptedInAudience } from '../support/opted-in-audience';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// A campaign's end time: after it nothing more is planned or sent; the recipients not yet sent
// (waiting for their turn or for the end of quiet hours) are counted skipped `campaign_ended`.
// And its send window: in each patient's morning, deferred by the policy in her own zone.
jest.setTimeout(90_000);

// Two a second: eight recipients take four seconds, longer than the campaign lasts.
const RATE = 2;

let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub({ env: { CAMPAIGN_SEND_RATE: String(RATE) } });
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

/** A zone where the local hour is `hour` now (Etc/GMT-3 is three hours ahead of UTC). */
function zoneAt(hour: number): string {
  const offset = ((hour - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** A zone where it is about 02:00 now: an automated send waits for the morning there. */
const nightZone = () => zoneAt(2);

async function audience(tag: string, zones: string[]) {
  const phones = zones.map(() => randomUsPhone());
  const csv = [
    'externalId,name,phone,dateOfBirth,language,timeZone,tags',
    ...phones.map((phone, i) => `${tag}-${i},Patient ${i},${phone},1950-01-02,en,${zones[i]},${tag}`),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  return phones;
}

const campaign = (tag: string, extra: Record<string, unknown>) => ({
  name: `End ${tag}`,
  template: 'recall-outreach',
  audience: { filter: { tags: [tag] } },
  variables: { link: 'https://book.clinic.test/recall' },
  ...extra,
});

test('an end time in the past, or not after the schedule, is refused with a code', async () => {
  const past = await admin
    .post('/campaigns', campaign('past', { endAt: new Date(Date.now() - 60_000).toISOString() }))
    .expect(422);
  expect(past.body.error.code).toBe('end_in_past');
  const schedule = new Date(Date.now() + 3_600_000);
  const before = await admin
    .post(
      '/campaigns',
      campaign('before', {
        scheduleAt: schedule.toISOString(),
        endAt: new Date(schedule.getTime() - 60_000).toISOString(),
      }),
    )
    .expect(422);
  expect(before.body.error.code).toBe('end_before_schedule');
  const inPast = await admin
    .post('/campaigns', campaign('sched', { scheduleAt: new Date(Date.now() - 60_000).toISOString() }))
    .expect(422);
  expect(inPast.body.error.code).toBe('schedule_in_past');
  // A draft whose end time passed before anyone started it cannot start.
  const soon = await admin
    .post('/campaigns', campaign('soon', { endAt: new Date(Date.now() + 500).toISOString() }))
    .expect(201);
  await new Promise((resolve) => setTimeout(resolve, 700));
  const late = await admin.post(`/campaigns/${soon.body.id}/start`, {}).expect(422);
  expect(late.body.error.code).toBe('end_in_past');
});

test('after the end time nothing more goes: those not yet sent, and those waiting for morning, are skipped campaign_ended', async () => {
  const tag = `end${Date.now().toString(36)}`;
  const awake = middayTimeZone();
  const zones = [...Array.from({ length: 8 }, () => awake), nightZone(), nightZone()];
  const phones = await audience(tag, zones);
  const endAt = new Date(Date.now() + 2500);
  const created = await admin.post('/campaigns', campaign(tag, { endAt: endAt.toISOString() })).expect(201);
  expect(created.body.endAt).toBe(endAt.toISOString());
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);

  const done = await eventually(async () => {
    const res = await admin.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  }, 30_000);
  const { stats } = done;
  const ended = stats.skipped.campaign_ended as number;
  // The two at night were waiting for morning; at two a second some of the eight were still waiting.
  expect(ended).toBeGreaterThanOrEqual(3);
  expect(stats.sent + ended).toBe(10);
  expect(stats.failed).toBe(0);
  expect(stats.deferred).toBe(0);

  // The carrier saw exactly the sent ones, none after the end time, none of the night zone.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const received = t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  expect(received).toHaveLength(stats.sent);
  for (const m of received) expect(m.createdAt.getTime()).toBeLessThan(endAt.getTime() + 1000);
  expect(received.some((m) => m.params.To === phones[8] || m.params.To === phones[9])).toBe(false);

  const csv = await request(t.hub.url)
    .get(`/api/v1/campaigns/${id}/recipients.csv`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(200);
  expect(csv.text.split('\n').filter((l) => l.includes('campaign_ended'))).toHaveLength(ended);
});

test('a campaign scheduled ahead waits as scheduled, then sends at its time: nothing reaches the carrier before it', async () => {
  const tag = `at${Date.now().toString(36)}`;
  const phones = await audience(tag, [middayTimeZone(), middayTimeZone()]);
  const scheduleAt = new Date(Date.now() + 8000);
  const created = await admin
    .post('/campaigns', campaign(tag, { scheduleAt: scheduleAt.toISOString() }))
    .expect(201);
  const id = created.body.id as string;
  const started = await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  expect(started.body.status).toBe('scheduled');

  const done = await eventually(async () => {
    const res = await admin.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  }, 40_000);
  expect(done.stats.sent).toBe(2);
  const received = t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  expect(received).toHaveLength(2);
  for (const m of received) expect(m.createdAt.getTime()).toBeGreaterThanOrEqual(scheduleAt.getTime());
});

test("a staff reply to a patient goes out at once while a campaign's sends wait their turn on the same number", async () => {
  const tag = `pr${Date.now().toString(36)}`;
  // Sixteen at two a second: eight seconds of campaign sends queued behind one another.
  const phones = await audience(
    tag,
    Array.from({ length: 16 }, () => middayTimeZone()),
  );
  const created = await admin.post('/campaigns', campaign(tag, {})).expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const campaignSends = () => t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  await eventually(async () => campaignSends().length > 0 || undefined, 20_000);

  const patient = randomUsPhone();
  await t.postInboundSms({ From: patient, Body: 'is the clinic open saturday' }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where from_address = $1',
    [patient],
  );
  await request(t.hub.url)
    .post(`/api/v1/conversations/${row!.conversation_id}/messages`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .send({ body: 'Yes, 9 to 1.', sensitivity: 'limited' })
    .expect(202);
  const reply = await eventually(async () => t.twilio.messages.find((m) => m.params.To === patient), 20_000);

  // Not queued behind the campaign: campaign sends still reached the carrier after the reply.
  await eventually(async () => {
    const res = await admin.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' || undefined;
  }, 40_000);
  const after = campaignSends().filter((m) => m.createdAt.getTime() > reply.createdAt.getTime());
  expect(campaignSends()).toHaveLength(16);
  expect(after.length).toBeGreaterThan(0);
});

test('a cancel fails the messages still waiting to go with campaign_cancelled; none of them is sent', async () => {
  const tag = `cx${Date.now().toString(36)}`;
  const phones = await audience(
    tag,
    Array.from({ length: 6 }, () => middayTimeZone()),
  );
  const created = await admin.post('/campaigns', campaign(tag, {})).expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  // At two a second, most are still waiting for their turn when the cancel comes.
  await eventually(async () => t.twilio.messages.find((m) => phones.includes(String(m.params.To))));
  await admin.post(`/campaigns/${id}/cancel`, {}).expect(200);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const messages = await queryRows<{ status: string; error_code: string | null }>(
    t.database.url,
    `select m.status, m.error_code from campaign_recipients r join messages m on m.id = r.message_id
     where r.campaign_id = $1`,
    [id],
  );
  const cancelled = messages.filter((m) => m.error_code === 'campaign_cancelled');
  expect(cancelled.length).toBeGreaterThanOrEqual(1);
  expect(cancelled.every((m) => m.status === 'failed')).toBe(true);
  expect(messages.some((m) => m.status === 'pending')).toBe(false);
  const received = t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
  expect(received.length + cancelled.length).toBe(messages.length);
});

test("in each patient's morning: one at 10:xx her time goes now, one at 15:xx waits for 09:00 tomorrow in her zone; the preview counts the wait", async () => {
  const tag = `morn${Date.now().toString(36)}`;
  const zones = [zoneAt(10), zoneAt(15)];
  const phones = await audience(tag, zones);
  const created = await admin.post('/campaigns', campaign(tag, { sendWindow: 'morning' })).expect(201);
  expect(created.body.sendWindow).toBe('morning');
  const id = created.body.id as string;
  const preview = await admin.post(`/campaigns/${id}/preview`, {}).expect(200);
  expect(preview.body).toMatchObject({ recipients: 2, byChannel: { sms: 2 }, deferred: 1 });

  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  await eventually(async () => t.twilio.messages.some((m) => m.params.To === phones[0]) || undefined);
  // Decided at the start of the run: ready, on SMS, due at 09:00 tomorrow in her zone; no message yet.
  const [waiting] = await queryRows<{
    status: string;
    channel: string;
    due_at: Date;
    message_id: string | null;
  }>(
    t.database.url,
    `select r.status, r.channel, r.due_at, r.message_id from campaign_recipients r
       join contacts c on c.id = r.contact_id where r.campaign_id = $1 and c.time_zone = $2`,
    [id, zones[1]],
  );
  const tomorrowNine = DateTime.now().setZone(zones[1]!).plus({ days: 1 }).startOf('day').set({ hour: 9 });
  expect(waiting).toMatchObject({ status: 'ready', channel: 'sms', message_id: null });
  expect(waiting!.due_at.toISOString()).toBe(tomorrowNine.toUTC().toISO());
  const [rows] = await queryRows<{ n: string }>(
    t.database.url,
    `select count(*) as n from messages where to_address = $1 and direction = 'outbound'`,
    [phones[1]],
  );
  expect(Number(rows!.n)).toBe(0);
  expect(t.twilio.messages.some((m) => m.params.To === phones[1])).toBe(false);
  // The figures count her as deferred, on her channel, from the start.
  const live = await admin.get(`/campaigns/${id}`).expect(200);
  expect(live.body.stats).toMatchObject({ recipients: 2, deferred: 1 });
  // The waiting recipient would go tomorrow: the campaign ends here, and she is skipped as cancelled.
  await admin.post(`/campaigns/${id}/cancel`, {}).expect(200);
  const [cancelled] = await queryRows<{ status: string; skip_reason: string }>(
    t.database.url,
    `select r.status, r.skip_reason from campaign_recipients r
       join contacts c on c.id = r.contact_id where r.campaign_id = $1 and c.time_zone = $2`,
    [id, zones[1]],
  );
  expect(cancelled).toEqual({ status: 'skipped', skip_reason: 'campaign_cancelled' });
});

test('a recipient waiting for morning has no message and no send job: the run leaves one delayed plan job for her morning, which releases her, and she gets it once', async () => {
  const tag = `wake${Date.now().toString(36)}`;
  const [phone] = await audience(tag, [nightZone()]);
  const created = await admin.post('/campaigns', campaign(tag, {})).expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const planQueue = new Queue(JOB_QUEUE_NAMES.campaignPlan, {
    connection: { url: t.hub.config.REDIS_URL },
    prefix: t.queuePrefix,
  });
  try {
    const [recipient] = await eventually(async () => {
      const rows = await queryRows<{ status: string; due_at: Date }>(
        t.database.url,
        `select status, due_at from campaign_recipients where campaign_id = $1 and status <> 'pending'`,
        [id],
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(recipient!.status).toBe('ready');
    expect(recipient!.due_at.getTime()).toBeGreaterThan(Date.now() + 60_000);
    // Until morning she waits in PostgreSQL only: no message row, no job per patient in Redis, and one
    // delayed job of the run for her due time.
    const [campaignRow] = await queryRows<{ run: number }>(
      t.database.url,
      `select run from campaigns where id = $1`,
      [id],
    );
    const wakeId = `${id}-${campaignRow!.run}-at-${recipient!.due_at.getTime()}`;
    const wake = await eventually(async () => (await planQueue.getJob(wakeId)) ?? undefined);
    expect(await wake.isDelayed()).toBe(true);
    const [messages] = await queryRows<{ n: string }>(
      t.database.url,
      `select count(*) as n from messages where campaign_id = $1`,
      [id],
    );
    expect(Number(messages!.n)).toBe(0);
    // Morning comes (her zone moves to where it is midday, her due time to now) and the run's delayed
    // job runs now: the release decides again, and sends.
    await queryRows(
      t.database.url,
      `update contacts set time_zone = $2 where id in (select contact_id from campaign_recipients where campaign_id = $1)`,
      [id, middayTimeZone()],
    );
    await queryRows(t.database.url, `update campaign_recipients set due_at = now() where campaign_id = $1`, [
      id,
    ]);
    await wake.promote();
    await eventually(async () => t.twilio.messages.some((m) => m.params.To === phone) || undefined);
    const done = await eventually(async () => {
      const res = await admin.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    });
    expect(done.stats.sent).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(t.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
  } finally {
    await planQueue.close();
  }
});

test('a message deferred to the end of quiet hours by its release gets no job: the campaign sweeper enqueues it once due, and it goes once', async () => {
  const tag = `swp${Date.now().toString(36)}`;
  const [phone] = await audience(tag, [nightZone()]);
  const created = await admin.post('/campaigns', campaign(tag, {})).expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  // Released while the night still holds her (a release decides again: here her due time was not
  // yet reached, as when quiet hours begin between the decide phase and the release): her message is
  // deferred to her morning, as any send at night, and waits in PostgreSQL without a job.
  const [recipient] = await eventually(async () => {
    const rows = await queryRows<{ id: string; contact_id: string }>(
      t.database.url,
      `select id, contact_id from campaign_recipients where campaign_id = $1 and status = 'ready'`,
      [id],
    );
    return rows.length > 0 ? rows : undefined;
  });
  const [row] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  const releaseQueue = initCampaignSendQueue({
    redisUrl: t.hub.config.REDIS_URL,
    prefix: t.queuePrefix,
    concurrency: 1,
  });
  const planned = await planRecipients(
    { outbound: { ...t.hub.outbound, sendQueue: releaseQueue }, sendRate: RATE },
    row!,
    [{ id: Number(recipient!.id), contactId: recipient!.contact_id, displayName: null, attributes: {} }],
  );
  await releaseQueue.close();
  expect(planned.planned).toBe(1);
  const [waiting] = await eventually(async () => {
    const rows = await queryRows<{ id: string; scheduled_for: Date | null; status: string }>(
      t.database.url,
      `select id, scheduled_for, status from messages where to_address = $1 and direction = 'outbound'`,
      [phone],
    );
    return rows.length > 0 ? rows : undefined;
  });
  expect(waiting!.status).toBe('pending');
  expect(waiting!.scheduled_for!.getTime()).toBeGreaterThan(Date.now() + 60_000);
  const sendQueue = initCampaignSendQueue({
    redisUrl: t.hub.config.REDIS_URL,
    prefix: t.queuePrefix,
    concurrency: 1,
  });
  try {
    // Until morning it waits in PostgreSQL only: no delayed job per patient in Redis.
    expect(await sendQueue.queue.getJob(waiting!.id)).toBeUndefined();
    // Morning comes (the row's time moved to now, its last change a minute ago): the sweep enqueues it.
    await queryRows(
      t.database.url,
      `update messages set scheduled_for = now(), updated_at = now() - interval '1 minute' where id = $1`,
      [waiting!.id],
    );
    expect(await sweepOutbox(t.hub.database.db, sendQueue, 30, 'campaigns')).toBe(1);
    await eventually(async () => t.twilio.messages.some((m) => m.params.To === phone) || undefined);
    const done = await eventually(async () => {
      const res = await admin.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    });
    expect(done.stats.sent).toBe(1);
    // A second sweep finds nothing to bring back; the carrier saw the message once.
    expect(await sweepOutbox(t.hub.database.db, sendQueue, 30, 'campaigns')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(t.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
  } finally {
    await sendQueue.close();
  }
});
