import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { initCampaignPlanQueue, JOB_HORIZON_MS } from '../../src/campaigns/campaign-planner';
import { JOB_QUEUE_NAMES } from '../../src/platform/queues/queue-names';
import { queryRows } from '../support/test-database';
import { eventually, startTestHub, type TestHub, testRedisUrl } from '../support/test-hub';

// The campaign release sweep (campaigns/index.ts) asks the plan queue to ensure a run's job when
// that run has ready recipients overdue. A run that waited for its recipients' morning carries on in
// its `-at-<ms>` job, which releases a large morning for minutes while its first recipients are due:
// the sweep must not add a second job of the same run next to it (two planners of one campaign, both
// of the plan worker's slots, twice the window of messages ahead of the sending).

jest.setTimeout(60_000);

const prefix = `careline-test-${randomBytes(4).toString('hex')}`;
const planQueue = initCampaignPlanQueue({ redisUrl: testRedisUrl(), prefix, concurrency: 1 });
const raw = new Queue(JOB_QUEUE_NAMES.campaignPlan, { connection: { url: testRedisUrl() }, prefix });

afterAll(async () => {
  await raw.obliterate({ force: true });
  await raw.close();
  await planQueue.close();
});

test('the release sweep adds no second job for a run whose morning job is there, but does for a run that has none', async () => {
  const campaignId = randomUUID();
  // The run's job for its morning, due now (it is waiting for a worker, or running).
  await planQueue.add({ campaignId, run: 3, wakeAt: Date.now() + JOB_HORIZON_MS });
  // Its end job, and an older run's morning job, take up nothing of run 4.
  await planQueue.add({ campaignId, run: 4, end: true }, new Date(Date.now() + 3_600_000));
  expect(await planQueue.ensure({ campaignId, run: 3 })).toBe(false);
  expect(await raw.getJobCounts('waiting', 'delayed', 'active')).toEqual({
    waiting: 1,
    delayed: 1,
    active: 0,
  });

  await planQueue.add({ campaignId, run: 2, wakeAt: Date.now() + JOB_HORIZON_MS });
  expect(await planQueue.ensure({ campaignId, run: 4 })).toBe(true);
  const ids = (await raw.getJobs(['waiting'])).map((job) => job.id).sort();
  expect(ids).toHaveLength(3);
  expect(ids).toContain(`${campaignId}-4`);
  // Asked again, the run's job is there now.
  expect(await planQueue.ensure({ campaignId, run: 4 })).toBe(false);
});

test("a hub's restart adds no second job for a run that carries on in its morning job", async () => {
  const first = await startTestHub({ runWorkers: false });
  let second: TestHub | undefined;
  const events = new QueueEvents(JOB_QUEUE_NAMES.campaignPlan, {
    connection: { url: first.hub.config.REDIS_URL },
    prefix: first.queuePrefix,
  });
  const added: string[] = [];
  events.on('added', ({ jobId }) => added.push(jobId));
  try {
    await events.waitUntilReady();
    const [org] = await queryRows<{ id: string }>(first.database.url, 'select id from organizations limit 1');
    const [campaign] = await queryRows<{ id: string }>(
      first.database.url,
      `insert into campaigns (org_id, name, template, audience, status, run, recipients_inserted_at)
       values ($1, 'morning', 'recall-outreach', '{"filter":{}}', 'running', 2, now()) returning id`,
      [org!.id],
    );
    const campaignId = campaign!.id;
    // Her recipients are ready for their morning, an hour away; the run's job for then is there
    // (delayed, or retried after the process that ran it stopped).
    const wakeAt = Date.now() + 3_600_000;
    await queryRows(
      first.database.url,
      `with c as (insert into contacts (org_id) select $1 from generate_series(1, 3) returning id)
       insert into campaign_recipients (campaign_id, contact_id, status, channel, due_at)
       select $2, id, 'ready', 'sms', to_timestamp($3::float8 / 1000) from c`,
      [org!.id, campaignId, wakeAt],
    );
    const planQueue = initCampaignPlanQueue({
      redisUrl: first.hub.config.REDIS_URL,
      prefix: first.queuePrefix,
      concurrency: 1,
    });
    await planQueue.add({ campaignId, run: 2, wakeAt });
    await planQueue.close();
    await eventually(async () => added.length === 1 || undefined);

    second = await startTestHub({ database: first.database, queuePrefix: first.queuePrefix });
    // The restart takes up the running campaigns' runs (campaignsToResume) once it has started.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(added).toEqual([`${campaignId}-2-at-${wakeAt}`]);
  } finally {
    await events.close();
    await second?.stop();
    await first.stop();
  }
});
