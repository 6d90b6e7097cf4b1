import { createHmac } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { sweepOutbox } from '../../src/outbound/outbox-sweeper';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  messageSid,
  PUBLIC_URL,
  randomUsPhone,
  startTestHub,
  type TestHub,
  testRedisUrl,
} from '../support/test-hub';

// Hubs start and sends cross processes: generous on a loaded machine; every wait is for a state.
jest.setTimeout(120_000);

// Leases and sweeps short through the hub's own configuration, as an operator would set them.
const FAST_LEASES = { OUTBOX_LEASE_SECONDS: '1', OUTBOX_SWEEP_SECONDS: '0.5' };

type OutboxRow = {
  status: string;
  provider_message_id: string | null;
  send_attempts: number;
  lease_until: Date | null;
  error_code: string | null;
};

async function outboxRow(t: TestHub, id: string): Promise<OutboxRow> {
  const [row] = await queryRows<OutboxRow>(
    t.database.url,
    'select status, provider_message_id, send_attempts, lease_until, error_code from messages where id = $1',
    [id],
  );
  return row!;
}

/** A patient writes in, a staff member replies: the reply's message id and the patient's number. */
async function replyToNewPatient(t: TestHub, body: string): Promise<{ id: string; phone: string }> {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'hello' }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where from_address = $1',
    [phone],
  );
  const res = await (await t.api())
    .post(`/conversations/${row!.conversation_id}/messages`, { body, sensitivity: 'limited' })
    .expect(202);
  return { id: res.body.message.id as string, phone };
}

/** What a worker does before the provider call: claim the row with a lease (here 1 s). */
async function claimAsAWorkerWould(t: TestHub, id: string): Promise<void> {
  await queryRows(
    t.database.url,
    `update messages set status = 'sending', send_attempts = send_attempts + 1, claimed_at = now(),
       lease_until = now() + interval '1 second' where id = $1 and status = 'pending'`,
    [id],
  );
}

/** Twilio's documented signature, computed here without the SDK: HMAC-SHA1 over URL + sorted params. */
function independentTwilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(data).digest('base64');
}

test('a claimed row whose job vanished with Redis is sent exactly once after its lease lapses', async () => {
  // API only: the reply's job waits in Redis, and no worker of this hub touches it.
  const api = await startTestHub({ runWorkers: false });
  let workers: TestHub | undefined;
  try {
    const { id, phone } = await replyToNewPatient(api, 'Your lab results are in');
    // A worker claimed it and died before the provider call; then Redis lost the job.
    await claimAsAWorkerWould(api, id);
    await api.hub.sendQueue.queue.obliterate({ force: true });
    expect(await api.hub.sendQueue.queue.getJob(id)).toBeUndefined();

    // A worker process with the hub's sweeper, sharing the database, the queues and the Twilio account.
    workers = await startTestHub({
      database: api.database,
      queuePrefix: api.queuePrefix,
      twilio: api.twilio,
      env: FAST_LEASES,
    });
    const sent = await eventually(async () => {
      const row = await outboxRow(api, id);
      return row.status === 'queued' ? row : null;
    }, 60_000);
    const copies = api.twilio.messages.filter((m) => m.params.Body === 'Your lab results are in');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.params.To).toBe(phone);
    expect(sent.provider_message_id).toBe(copies[0]!.sid);
    expect(sent.send_attempts).toBe(2);
    // It asked Twilio first (the Message list, by To, From and DateSent) and found nothing to adopt.
    const asked = api.twilio.listRequests.find((q) => q.get('To') === phone);
    expect(asked?.get('From')).toBe(CLINIC_NUMBER);
    expect(asked?.get('DateSent>')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Nothing is left for a sweeper, and stopping the workers (which waits for in-flight sends)
    // leaves the one copy.
    expect(await sweepOutbox(workers.hub.database.db, workers.hub.sendQueue, 0)).toBe(0);
    await workers.stop();
    workers = undefined;
    expect(api.twilio.messages.filter((m) => m.params.Body === 'Your lab results are in')).toHaveLength(1);
  } finally {
    await workers?.stop();
    await api.stop();
  }
});

test("a claim whose job is still active under a killed worker's lock is taken over without waiting for BullMQ's stall check", async () => {
  const api = await startTestHub({ runWorkers: false });
  let workers: TestHub | undefined;
  // A worker that takes the reply's job, claims the row as the real one does, then hangs forever: as
  // a process killed mid-send leaves it, the job stays `active` in BullMQ under a lock (30 s) that
  // nobody renews, while the row's lease (1 s) lapses.
  const queue = api.hub.sendQueue.queue;
  const stuckConnection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  let stuck: Worker | undefined;
  try {
    const taken = new Promise<string>((resolve) => {
      stuck = new Worker(
        queue.name,
        async (job) => {
          resolve(job.id!);
          await claimAsAWorkerWould(api, job.id!);
          await new Promise(() => undefined);
        },
        { connection: stuckConnection, prefix: api.queuePrefix, autorun: true },
      );
    });
    const { id, phone } = await replyToNewPatient(api, 'Your referral was sent');
    expect(await taken).toBe(id);
    await eventually(async () => (await outboxRow(api, id)).status === 'sending');
    // The dead worker stops renewing its lock; the job stays active until the lock would expire.
    stuck!.close(true).catch(() => undefined);

    workers = await startTestHub({
      database: api.database,
      queuePrefix: api.queuePrefix,
      twilio: api.twilio,
      env: FAST_LEASES,
    });
    await eventually(async () => (await outboxRow(api, id)).status === 'queued', 60_000);
    // Sent by the takeover: the message's own job is still the killed worker's.
    expect(await queue.getJobState(id)).toBe('active');
    expect(api.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
    expect((await outboxRow(api, id)).send_attempts).toBe(2);
  } finally {
    await workers?.stop();
    await api.stop();
    stuckConnection.disconnect();
  }
});

test('a worker that died after Twilio accepted the message: the send is adopted, not sent again', async () => {
  const api = await startTestHub({ runWorkers: false });
  let workers: TestHub | undefined;
  try {
    // Two earlier messages to other patients and one older copy of the text to someone else:
    // only the match on To, From, body and time is ours.
    const other = await replyToNewPatient(api, 'Please call the clinic');
    const { id, phone } = await replyToNewPatient(api, 'Please call the clinic');
    await claimAsAWorkerWould(api, id);
    await api.hub.sendQueue.queue.obliterate({ force: true });
    // The dying worker's provider call, through the real SDK, as the SMS channel makes it.
    const client = twilio(api.twilio.accountSid, api.twilio.authToken, {
      httpClient: new twilio.RequestClient(),
    });
    const base = api.twilio.url;
    const accepted = await client.request({
      method: 'post',
      uri: `${base}/2010-04-01/Accounts/${api.twilio.accountSid}/Messages.json`,
      data: {
        To: phone,
        From: CLINIC_NUMBER,
        Body: 'Please call the clinic',
        StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status?m=${id}`,
      },
    });
    expect(accepted.statusCode).toBe(201);
    const sid = (accepted.body as { sid: string }).sid;
    // Enough of Twilio's list to need paging: many more messages to the same patient since.
    for (let i = 0; i < 120; i += 1) {
      await client.request({
        method: 'post',
        uri: `${base}/2010-04-01/Accounts/${api.twilio.accountSid}/Messages.json`,
        data: { To: phone, From: CLINIC_NUMBER, Body: `Unrelated ${i}` },
      });
    }

    workers = await startTestHub({
      database: api.database,
      queuePrefix: api.queuePrefix,
      twilio: api.twilio,
      env: FAST_LEASES,
    });
    const adopted = await eventually(async () => {
      const row = await outboxRow(api, id);
      return row.provider_message_id ? row : null;
    }, 60_000);
    expect(adopted.provider_message_id).toBe(sid);
    expect(adopted.status).toBe('sent');
    // The list was read past its first page.
    expect(api.twilio.listRequests.some((q) => q.get('To') === phone && q.get('Page') === '1')).toBe(true);
    // The other patient's copy went out normally, once.
    await eventually(async () => (await outboxRow(api, other.id)).status === 'queued', 60_000);
    await workers.stop();
    workers = undefined;
    expect(
      api.twilio.messages.filter((m) => m.params.Body === 'Please call the clinic' && m.params.To === phone),
    ).toHaveLength(1);
  } finally {
    await workers?.stop();
    await api.stop();
  }
});

test('Twilio accepts the send but the connection drops before its answer: adopted on the next attempt, never sent twice', async () => {
  const t = await startTestHub({ env: FAST_LEASES });
  try {
    t.twilio.enqueueReplies({ kind: 'accept_then_drop' });
    const { id, phone } = await replyToNewPatient(t, 'Your prescription is ready');
    const adopted = await eventually(async () => {
      const row = await outboxRow(t, id);
      return row.provider_message_id ? row : null;
    }, 60_000);
    const copies = t.twilio.messages.filter((m) => m.params.To === phone);
    expect(copies).toHaveLength(1);
    expect(adopted.provider_message_id).toBe(copies[0]!.sid);
    expect(adopted.status).toBe('sent');
    // The status callback Twilio would post names the row and moves it on.
    await t.postStatus({ MessageSid: copies[0]!.sid, MessageStatus: 'delivered' }).expect(200);
    await eventually(async () => (await outboxRow(t, id)).status === 'delivered');
    await t.hub.close();
    expect(t.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
  } finally {
    await t.stop().catch(() => undefined);
  }
});

test('a status callback naming the row by id updates it when no provider id was ever stored', async () => {
  const t = await startTestHub({ runWorkers: false });
  try {
    const { id } = await replyToNewPatient(t, 'Answer lost on the way back');
    await claimAsAWorkerWould(t, id);
    const sid = messageSid();
    const path = `/webhooks/twilio/status?m=${id}`;
    const params = { AccountSid: t.twilio.accountSid, MessageSid: sid, MessageStatus: 'delivered' };

    // Signed over the URL without the query: the message id is not covered, so it is refused.
    await request(t.hub.url)
      .post(path)
      .type('form')
      .set(
        'X-Twilio-Signature',
        independentTwilioSignature(t.authToken, `${PUBLIC_URL}/webhooks/twilio/status`, params),
      )
      .send(params)
      .expect(403);
    expect((await outboxRow(t, id)).provider_message_id).toBeNull();

    await request(t.hub.url)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', independentTwilioSignature(t.authToken, `${PUBLIC_URL}${path}`, params))
      .send(params)
      .expect(200);
    const row = await outboxRow(t, id);
    expect(row.status).toBe('delivered');
    expect(row.provider_message_id).toBe(sid);

    // A malformed id is refused after the signature, before anything is stored.
    const badPath = '/webhooks/twilio/status?m=not-a-message';
    await request(t.hub.url)
      .post(badPath)
      .type('form')
      .set('X-Twilio-Signature', independentTwilioSignature(t.authToken, `${PUBLIC_URL}${badPath}`, params))
      .send(params)
      .expect(400);
  } finally {
    await t.stop();
  }
});
