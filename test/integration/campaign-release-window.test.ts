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

/** A running campaign of `n` recipients, and its planner run at `sendRate` with nothing sending. */
async function releasing(tagPrefix: string, n: number, sendRate: number) {
  const tag = `${tagPrefix}${Date.now().toString(36)}`;
  const phones = Array.from({ length: n }, () => randomUsPhone());
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
  const deps = {
    outbound: { ...t.hub.outbound, sendQueue },
    sendRate,
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
  return {
    id,
    counts,
    async stop() {
      closing.abort();
      await run;
      await sendQueue.close();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

test('messages deferred to a moment within the release horizon count in the window: a morning is released a window at a time, not all at once', async () => {
  // One message a second per sender: a window of 10 messages ahead of the sending.
  const { id, counts, stop } = await releasing('win', 25, 1);
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
    await stop();
  }
});

test('the release tops the window up a quarter of it at a time, not a few messages at every look', async () => {
  // Four a second: a window of 20 messages, released once 5 of them have gone.
  const { id, counts, stop } = await releasing('quarter', 30, 4);
  const sendSome = (k: number) =>
    queryRows(
      t.database.url,
      `update messages set status = 'sent', sent_at = now() where id in (
         select id from messages where campaign_id = $1 and status = 'pending' order by created_at, id limit $2)`,
      [id, k],
    );
  try {
    await eventually(async () => (await counts()).messages >= 20 || undefined);
    await settle();
    expect(await counts()).toEqual({ messages: 20, ready: 10 });
    // Three went: the window has room for three, less than a quarter of it. Nothing is released.
    await sendSome(3);
    await settle();
    expect(await counts()).toEqual({ messages: 20, ready: 10 });
    // Two more: a quarter of the window is free, and five are released in one batch.
    await sendSome(2);
    await eventually(async () => ((await counts()).messages >= 25 ? true : undefined));
    await settle();
    expect(await counts()).toEqual({ messages: 25, ready: 5 });
  } finally {
    await stop();
  }
});
