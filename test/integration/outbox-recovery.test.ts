import { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { sweepOutbox } from '../../src/outbound/outbox-sweeper';
import { closeSendWorker, initSendWorker } from '../../src/outbound/send-worker';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, startTestHub, testRedisUrl } from '../support/test-hub';

// This suite owns Redis database 11: it flushes it.
const REDIS_DB = 11;

async function conversationAndReply(t: Awaited<ReturnType<typeof startTestHub>>, body: string) {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: 'hello' }).expect(200);
  const [row] = await queryRows<{ conversation_id: string }>(
    t.database.url,
    'select conversation_id from messages where from_address = $1',
    [phone],
  );
  const res = await request(t.hub.url)
    .post(`/api/v1/conversations/${row!.conversation_id}/messages`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .send({ body, sensitivity: 'limited' })
    .expect(202);
  return res.body.message.id as string;
}

test('Redis flushed between the outbox write and the send: the sweeper re-enqueues and it is sent exactly once', async () => {
  const redis = new Redis(testRedisUrl(REDIS_DB));
  await redis.flushdb();
  // API only: no worker in this hub, so the job waits in Redis until we flush it.
  const t = await startTestHub({ runWorkers: false, redisDb: REDIS_DB });
  try {
    const id = await conversationAndReply(t, 'Survives a Redis flush');
    expect(await t.hub.sendQueue.queue.getJob(id)).toBeDefined();
    await redis.flushdb();
    expect(await t.hub.sendQueue.queue.getJob(id)).toBeUndefined();
    const [pending] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [id],
    );
    expect(pending!.status).toBe('pending');

    expect(await sweepOutbox(t.hub.database.db, t.hub.sendQueue, 0)).toBe(1);
    expect(await t.hub.sendQueue.queue.getJob(id)).toBeDefined();
    // A second sweep while the job exists adds nothing new (job id = message id).
    await sweepOutbox(t.hub.database.db, t.hub.sendQueue, 0);
    expect(await t.hub.sendQueue.queue.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(1);

    const worker = initSendWorker(
      {
        db: t.hub.database.db,
        channels: t.hub.channels,
        logger: pino({ level: 'silent' }),
        leaseSeconds: 60,
      },
      { redisUrl: testRedisUrl(REDIS_DB), prefix: t.queuePrefix, concurrency: 2 },
    );
    try {
      await t.twilio.waitForMessages(1);
      await eventually(async () => {
        const [row] = await queryRows<{ status: string }>(
          t.database.url,
          'select status from messages where id = $1',
          [id],
        );
        return row!.status === 'queued';
      });
      expect(await sweepOutbox(t.hub.database.db, t.hub.sendQueue, 0)).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(t.twilio.messages.filter((m) => m.params.Body === 'Survives a Redis flush')).toHaveLength(1);
    } finally {
      await closeSendWorker(worker);
    }
  } finally {
    await t.stop();
    await redis.flushdb();
    redis.disconnect();
  }
});

test('shutdown waits for an in-flight send to finish and records its result', async () => {
  const t = await startTestHub();
  let stopped = false;
  try {
    t.twilio.enqueueReplies({ kind: 'accept', delayMs: 700 });
    const id = await conversationAndReply(t, 'In flight at shutdown');
    await eventually(async () => t.twilio.requestCount === 1);
    await t.hub.close();
    stopped = true;
    const [row] = await queryRows<{ status: string; provider_message_id: string }>(
      t.database.url,
      'select status, provider_message_id from messages where id = $1',
      [id],
    );
    expect(row!.status).toBe('queued');
    expect(row!.provider_message_id).toBe(t.twilio.messages[0]!.sid);
  } finally {
    if (!stopped) await t.hub.close();
    await t.twilio.stop();
    await t.database.drop();
  }
});

test('/readyz is 503 naming Redis when Redis does not answer; /healthz stays 200', async () => {
  const t = await startTestHub({ runWorkers: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  try {
    await request(t.hub.url).get('/healthz').expect(200);
    const res = await request(t.hub.url).get('/readyz').expect(503);
    expect(res.body.checks).toEqual({ postgres: 'ok', redis: 'unavailable' });
  } finally {
    await t.stop();
  }
});

test('/readyz is 200 when PostgreSQL and Redis answer', async () => {
  const t = await startTestHub({ runWorkers: false });
  try {
    const res = await request(t.hub.url).get('/readyz').expect(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  } finally {
    await t.stop();
  }
});
