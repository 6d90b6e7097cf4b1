import { Queue } from 'bullmq';
import { JOB_QUEUE_NAMES } from '../../src/platform/queues/queue-names';
import { importOptedInAudience } from '../support/opted-in-audience';
import { queryRows } from '../support/test-database';
import { eventually, middayTimeZone, randomUsPhone, startTestHub } from '../support/test-hub';

// A run's job may fail for good (all its attempts: the database down for half an hour, say). The
// run's state is in PostgreSQL, so the campaign sweeper takes a running campaign with work left and
// no live job of its run up again, rather than leaving it running forever with nobody sending.
jest.setTimeout(150_000);

const campaignTo = (tag: string) => ({
  name: `Sweep ${tag}`,
  template: 'recall-outreach',
  audience: { filter: { tags: [tag] } },
  variables: { link: 'https://book.clinic.test/recall' },
});

test('a running campaign whose plan job failed for good is taken up again by the campaign sweeper and completes', async () => {
  const hub = await startTestHub({ env: { OUTBOX_SWEEP_SECONDS: '1', CAMPAIGN_SEND_RATE: '20' } });
  const raw = new Queue(JOB_QUEUE_NAMES.campaignPlan, {
    connection: { url: hub.hub.config.REDIS_URL },
    prefix: hub.queuePrefix,
  });
  try {
    const api = await hub.api();
    const tag = `swp${Date.now().toString(36)}`;
    const phones = Array.from({ length: 3 }, () => randomUsPhone());
    const csv = [
      'externalId,phone,dateOfBirth,language,timeZone,tags',
      ...phones.map((phone, i) => `${tag}-${i},${phone},1950-01-02,en,${middayTimeZone()},${tag}`),
    ].join('\n');
    await importOptedInAudience(hub, api, csv, tag);
    const id = (await api.post('/campaigns', campaignTo(tag)).expect(201)).body.id as string;

    // The run's job fails for good: the queue held while the start adds it, then it is replaced by
    // one of a single attempt that fails (its data names no campaign PostgreSQL can read).
    await raw.pause();
    await api.post(`/campaigns/${id}/start`, {}).expect(200);
    const [{ run }] = (await queryRows<{ run: number }>(
      hub.database.url,
      'select run from campaigns where id = $1',
      [id],
    )) as [{ run: number }];
    const jobId = `${id}-${run}`;
    // The sweeper (every second) may queue the run's job again between the remove and the add, and
    // an add under a job id already queued does nothing: swap until the failing one is queued.
    for (;;) {
      await (await raw.getJob(jobId))?.remove();
      await raw.add('plan', { campaignId: 'not-a-campaign', run }, { jobId, attempts: 1 });
      if ((await raw.getJob(jobId))?.data.campaignId === 'not-a-campaign') break;
    }
    await raw.resume();
    await eventually(async () =>
      (await (await raw.getJob(jobId))?.getState()) === 'failed' ? true : undefined,
    );

    // The sweeper (every second here) finds the running campaign with work left and no live job.
    const done = await eventually(async () => {
      const res = await api.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    }, 90_000);
    expect(done.stats).toMatchObject({ recipients: 3, sent: 3, failed: 0 });
    const received = hub.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
    expect(received.map((m) => String(m.params.To)).sort()).toEqual([...phones].sort());
  } finally {
    await raw.close();
    await hub.stop();
  }
});
