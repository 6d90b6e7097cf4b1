import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { initCampaignPlanQueue, JOB_HORIZON_MS } from '../../src/campaigns/campaign-planner';
import { JOB_QUEUE_NAMES } from '../../src/platform/queues/queue-names';
import { testRedisUrl } from '../support/test-hub';

// The campaign release sweep (campaigns/index.ts) asks the plan queue to ensure a run's job when
// that run has ready recipients overdue. A run that waited for its recipients' morning carries on in
// its `-at-<ms>` job, which releases a large morning for minutes while its first recipients are due:
// the sweep must not add a second job of the same run next to it (two planners of one campaign, both
// of the plan worker's slots, twice the window of messages ahead of the sending).

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
