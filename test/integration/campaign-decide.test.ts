import { eq } from 'drizzle-orm';
import { insertRecipients } from '../../src/campaigns/campaign-audience';
import { decideCampaignRecipients } from '../../src/campaigns/campaign-decide';
import { type CampaignPlanJobData, execCampaignPlanJob } from '../../src/campaigns/campaign-planner';
import { initCampaignSendQueue } from '../../src/campaigns/campaign-send-worker';
import { runsWithWorkLeft } from '../../src/campaigns/campaign-store';
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

// The decide phase a campaign run starts with: every pending recipient decided set-wise and written
// at once (skipped with its reason, or ready with her channel and due time), then the release, which
// decides each again when it writes her message: a STOP between the two wins.
jest.setTimeout(90_000);

let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  // No workers: the test runs the phases itself.
  t = await startTestHub({ runWorkers: false });
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

/** A zone where the local hour is `hour` now. */
function zoneAt(hour: number): string {
  const offset = ((hour - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

type RecipientRow = {
  contact_id: string;
  external_id: string;
  status: string;
  skip_reason: string | null;
  channel: string | null;
  due_at: Date | null;
  message_id: string | null;
  decided_at: Date | null;
};

test('the decide phase writes skips with their reasons and ready rows with channel and due time at once, writes nothing twice, and the release honours a STOP that came between', async () => {
  const tag = `dec${Date.now().toString(36)}`;
  const awake = middayTimeZone();
  const night = zoneAt(2);
  const phones = Array.from({ length: 6 }, () => randomUsPhone());
  // 0–2 awake; 3 opted out; 4 without her booking link (a per-patient column); 5 where it is night.
  const zones = [awake, awake, awake, awake, awake, night];
  const csv = [
    'externalId,phone,dateOfBirth,language,timeZone,tags,link',
    ...phones.map(
      (phone, i) =>
        `${tag}-${i},${phone},1950-01-02,en,${zones[i]},${tag},${i === 4 ? '' : `https://book.clinic.test/${i}`}`,
    ),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  const byExternal = async () =>
    new Map(
      (
        await queryRows<{ id: string; external_id: string }>(
          t.database.url,
          'select id, external_id from contacts where tags @> $1::jsonb',
          [JSON.stringify([tag])],
        )
      ).map((r) => [r.external_id, r.id]),
    );
  const contactOf = await byExternal();
  await admin
    .post(`/contacts/${contactOf.get(`${tag}-3`)}/consents`, {
      channel: 'sms',
      purpose: 'marketing',
      status: 'opted_out',
    })
    .expect(201);

  const created = await admin
    .post('/campaigns', {
      name: `Decide ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
    })
    .expect(201);
  const id = created.body.id as string;
  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const [started] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  expect(started!.status).toBe('running');
  // The run's first step: its recipients' rows (the start only counted them).
  await insertRecipients(t.hub.database.db, started!, t.hub.outbound.channels, {
    logger: t.hub.outbound.logger,
  });
  const [campaign] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
  const sendQueue = initCampaignSendQueue({
    redisUrl: t.hub.config.REDIS_URL,
    prefix: t.queuePrefix,
    concurrency: 1,
  });
  const wakes: CampaignPlanJobData[] = [];
  const deps = {
    outbound: { ...t.hub.outbound, sendQueue },
    sendRate: 100,
    pollMs: 50,
    later: async (data: CampaignPlanJobData) => {
      wakes.push(data);
    },
  };
  const recipients = async () =>
    new Map(
      (
        await queryRows<RecipientRow>(
          t.database.url,
          `select r.contact_id, c.external_id, r.status, r.skip_reason, r.channel, r.due_at, r.message_id, r.decided_at
             from campaign_recipients r join contacts c on c.id = r.contact_id where r.campaign_id = $1`,
          [id],
        )
      ).map((r) => [Number(r.external_id.split('-').at(-1)), r]),
    );
  try {
    const before = Date.now();
    // Two processes decide the same run at once: each recipient is written by one of them.
    const both = await Promise.all([
      decideCampaignRecipients(deps, campaign!),
      decideCampaignRecipients(deps, campaign!),
    ]);
    expect({
      ready: both[0].ready + both[1].ready,
      deferred: both[0].deferred + both[1].deferred,
      skipped: both[0].skipped + both[1].skipped,
    }).toEqual({ ready: 4, deferred: 1, skipped: 2 });
    const decided = await recipients();
    for (const i of [0, 1, 2]) {
      const r = decided.get(i)!;
      expect(r).toMatchObject({ status: 'ready', channel: 'sms', skip_reason: null, message_id: null });
      expect(Math.abs(r.due_at!.getTime() - before)).toBeLessThan(30_000);
    }
    expect(decided.get(3)).toMatchObject({
      status: 'skipped',
      skip_reason: 'consent_opted_out',
      due_at: null,
    });
    expect(decided.get(4)).toMatchObject({ status: 'skipped', skip_reason: 'template_variable_missing' });
    // Night in her zone: ready on SMS, due when the policy lets an automated message go there.
    const deferred = decided.get(5)!;
    expect(deferred).toMatchObject({ status: 'ready', channel: 'sms', message_id: null });
    expect(deferred.due_at!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
    // No message yet for anyone; the refusal has its audit row, as a send's refusal has.
    const [messages] = await queryRows<{ n: string }>(
      t.database.url,
      'select count(*) as n from messages where campaign_id = $1',
      [id],
    );
    expect(Number(messages!.n)).toBe(0);
    const audits = await queryRows<{ subject_id: string; detail: { allowed: boolean; code: string } }>(
      t.database.url,
      `select subject_id, detail from audit_log where action = 'policy.decision' and subject_id = any($1::text[])`,
      [[...contactOf.values()]],
    );
    expect(audits.map((a) => [a.subject_id, a.detail.allowed, a.detail.code])).toEqual([
      [contactOf.get(`${tag}-3`), false, 'consent_opted_out'],
    ]);
    // The manager sees the skips and the wait at once.
    const stats = (await admin.get(`/campaigns/${id}`).expect(200)).body.stats;
    expect(stats).toMatchObject({
      recipients: 6,
      sent: 0,
      deferred: 1,
      skipped: { consent_opted_out: 1, template_variable_missing: 1 },
    });
    expect(stats.byChannel.sms.recipients).toBe(4);

    // A second decide (another run, another process) writes nothing.
    expect(await decideCampaignRecipients(deps, campaign!)).toMatchObject({
      ready: 0,
      deferred: 0,
      skipped: 0,
      stopped: false,
    });
    const again = await recipients();
    for (const [i, r] of decided) expect(again.get(i)).toEqual(r);

    // Patient 0 answers STOP after the decide phase, before her release.
    await t.postInboundSms({ From: phones[0]!, Body: 'STOP' }).expect(200);
    await eventually(async () => {
      const rows = await queryRows(
        t.database.url,
        `select 1 from consent_ledger where contact_id = $1 and status = 'opted_out'`,
        [contactOf.get(`${tag}-0`)],
      );
      return rows.length > 0 || undefined;
    });

    // The run: nothing pending is left to decide; the release plans those due and leaves a job for
    // the one waiting for her morning.
    expect(await execCampaignPlanJob(deps, { campaignId: id, run: campaign!.run })).toBe('waiting');
    const released = await recipients();
    expect(released.get(0)).toMatchObject({
      status: 'skipped',
      skip_reason: 'consent_opted_out',
      message_id: null,
    });
    for (const i of [1, 2]) {
      expect(released.get(i)!.status).toBe('planned');
      expect(released.get(i)!.message_id).not.toBeNull();
    }
    expect(released.get(5)).toEqual(deferred);
    expect(wakes).toEqual([{ campaignId: id, run: campaign!.run, wakeAt: deferred.due_at!.getTime() }]);
    // Her run's delayed job lost (Redis flushed) and her due time long past: the campaign sweeper
    // finds the run to take up again, and only then.
    const mine = async () => (await runsWithWorkLeft(t.hub.database.db)).filter((r) => r.campaignId === id);
    expect(await mine()).toEqual([]);
    await queryRows(
      t.database.url,
      `update campaign_recipients set due_at = now() - interval '2 minutes' where campaign_id = $1 and status = 'ready'`,
      [id],
    );
    expect(await mine()).toEqual([{ campaignId: id, run: campaign!.run }]);
    const sent = await queryRows<{ to_address: string }>(
      t.database.url,
      'select to_address from messages where campaign_id = $1 order by to_address',
      [id],
    );
    expect(sent.map((m) => m.to_address)).toEqual([phones[1]!, phones[2]!].sort());
  } finally {
    await sendQueue.close();
  }
});
