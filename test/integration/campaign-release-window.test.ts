import { eq } from 'drizzle-orm';
import { execCampaignPlanJob } from '../../src/campaigns/campaign-planner';
import { initCampaignSendQueue } from '../../src/campaigns/campaign-send-worker';
import { campaigns } from '../../src/platform/db/campaign-schema';
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

// The release writes a recipient's message a few seconds of sending ahead of the throttle, deciding
// her again at that moment, so a STOP (or a pause) that comes before her turn wins. Recipients due
// at the end of quiet hours are released up to JOB_HORIZON_MS before it, their messages deferred to
// that moment: those count in the window too, or a whole morning's cohort is written in its first
// minute and waits in the outbox for the throttle, decided long before each one's turn.
jest.setTimeout(120_000);

let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  // No workers: the test runs the planner itself, and nothing is sent.
  t = await startTestHub({ runWorkers: false });
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

test('messages deferred to a moment within the release horizon count in the window: a morning is released a window at a time, not all at once', async () => {
  const tag = `win${Date.now().toString(36)}`;
  const phones = Array.from({ length: 25 }, () => randomUsPhone());
  const csv = [
    'externalId,phone,dateOfBirth,language,timeZone,tags,link',
    ...phones.map(
      (phone, i) =>
        `${tag}-${i},${phone},1950-01-02,en,${middayTimeZone()},${tag},https://book.clinic.test/${i}`,
    ),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  const created = await admin
    .post('/campaigns', {
      name: `Window ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
    })
    .expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const [campaign] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  const sendQueue = initCampaignSendQueue({
    redisUrl: t.hub.config.REDIS_URL,
    prefix: t.queuePrefix,
    concurrency: 1,
  });
  const closing = new AbortController();
  // One message a second per sender: a window of 10 messages ahead of the sending.
  const deps = {
    outbound: { ...t.hub.outbound, sendQueue },
    sendRate: 1,
    pollMs: 50,
    signal: closing.signal,
  };
  const run = execCampaignPlanJob(deps, { campaignId: id, run: campaign!.run }).catch(
    (error: unknown) => error,
  );
  const counts = async () =>
    (
      await queryRows<{ messages: string; ready: string }>(
        t.database.url,
        `select (select count(*) from messages where campaign_id = $1) as messages,
           (select count(*) from campaign_recipients where campaign_id = $1 and status = 'ready') as ready`,
        [id],
      )
    ).map((row) => ({ messages: Number(row.messages), ready: Number(row.ready) }))[0]!;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));
  try {
    // Nothing is sent here: the window fills and the release waits.
    await eventually(async () => (await counts()).messages >= 10 || undefined);
    await settle();
    expect(await counts()).toEqual({ messages: 10, ready: 15 });
    // Those ten as the release writes them a moment before the end of quiet hours or the patients'
    // morning (within JOB_HORIZON_MS): deferred to it, then sent at the throttle's pace from then on.
    await queryRows(
      t.database.url,
      `update messages set scheduled_for = now() + interval '30 seconds' where campaign_id = $1`,
      [id],
    );
    await settle();
    // They still wait for their turn: the rest are decided again when theirs comes, not now.
    expect(await counts()).toEqual({ messages: 10, ready: 15 });
  } finally {
    closing.abort();
    await run;
    await sendQueue.close();
  }
});
