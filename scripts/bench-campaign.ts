// Usage: npm run bench:campaign [-- CONTACTS]   (default 2,000; the target is 100,000)
// A campaign's preview and planning on a fresh PostgreSQL database: CONTACTS seniors with an SMS
// number and a marketing opt-in, written straight in SQL; then the preview through the API (a dry run
// of planOutbound per recipient) and the planning of every recipient (policy, template, outbox row,
// job on the campaign queue), timed, with the memory growth. No worker runs, so nothing is sent and
// the throttle does not pace the planning. The database is TEST_DATABASE_URL's server (default local).
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { planRecipient } from '../src/campaigns/campaign-planner';
import { initCampaignSendQueue } from '../src/campaigns/campaign-send-worker';
import { campaigns } from '../src/platform/db/campaign-schema';
import { queryRows } from '../test/support/test-database';
import { startTestHub } from '../test/support/test-hub';

const count = Math.max(10, Number(process.argv[2] ?? 2000) || 2000);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main() {
  const t = await startTestHub({ runWorkers: false });
  try {
    const url = t.database.url;
    const orgId = t.hub.org.id;
    // Contacts, their numbers (+1 555 01xx xxxx, unique) and their opt-ins, in three statements.
    await queryRows(
      url,
      `insert into contacts (org_id, display_name, date_of_birth, language, time_zone, tags)
       select $1, 'Patient ' || g, date '1950-01-01', 'en', 'Etc/GMT', '["bench"]'::jsonb
       from generate_series(1, $2) g`,
      [orgId, count],
    );
    await queryRows(
      url,
      `insert into contact_identities (org_id, contact_id, kind, address)
       select $1, id, 'phone', '+1415' || lpad((row_number() over ())::text, 7, '0') from contacts where org_id = $1`,
      [orgId],
    );
    await queryRows(
      url,
      `insert into consent_ledger (org_id, contact_id, channel, purpose, status, source)
       select $1, id, 'sms', 'marketing', 'opted_in', 'bench' from contacts where org_id = $1`,
      [orgId],
    );
    const admin = await t.api();
    const created = await admin
      .post('/campaigns', {
        name: 'Bench',
        template: 'recall-outreach',
        audience: { filter: { tags: ['bench'], ageMin: 65 } },
        variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/x' },
      })
      .expect(201);
    const id = created.body.id as string;

    let started = performance.now();
    const preview = await admin.post(`/campaigns/${id}/preview`, {}).expect(200);
    const previewSeconds = (performance.now() - started) / 1000;

    await admin.post(`/campaigns/${id}/start`, {}).expect(200);
    const [campaign] = await t.hub.database.db.select().from(campaigns).where(eq(campaigns.id, id));
    const recipients = await queryRows<{ id: string; contact_id: string; display_name: string }>(
      url,
      `select r.id, r.contact_id, c.display_name from campaign_recipients r join contacts c on c.id = r.contact_id
        where r.campaign_id = $1 order by r.id`,
      [id],
    );
    const sendQueue = initCampaignSendQueue({
      redisUrl: t.hub.config.REDIS_URL,
      prefix: t.queuePrefix,
      concurrency: 1,
    });
    const deps = { outbound: { ...t.hub.outbound, sendQueue }, sendRate: 1 };
    global.gc?.();
    const memoryBefore = process.memoryUsage();
    started = performance.now();
    // As the planner does, in order; eight at a time, as a planner per hub process would reach.
    for (let i = 0; i < recipients.length; i += 8) {
      await Promise.all(
        recipients.slice(i, i + 8).map((r) =>
          planRecipient(deps, campaign!, {
            id: Number(r.id),
            contactId: r.contact_id,
            displayName: r.display_name,
            attributes: {},
          }),
        ),
      );
    }
    const planSeconds = (performance.now() - started) / 1000;
    const memoryAfter = process.memoryUsage();
    await sendQueue.close();
    const [outbox] = await queryRows<{ n: string }>(
      url,
      `select count(*) as n from campaign_recipients r join messages m on m.id = r.message_id where r.campaign_id = $1`,
      [id],
    );

    console.log(`contacts: ${count}`);
    console.log(
      `preview: ${previewSeconds.toFixed(2)} s (${Math.round(count / previewSeconds)} recipients/s), ${JSON.stringify(preview.body.byChannel)}`,
    );
    console.log(
      `planning: ${planSeconds.toFixed(2)} s, ${Math.round(recipients.length / planSeconds)} recipients/s, ${outbox!.n} outbox rows`,
    );
    console.log(
      `memory growth while planning: heap ${mib(memoryAfter.heapUsed - memoryBefore.heapUsed)}, rss ${mib(memoryAfter.rss - memoryBefore.rss)}`,
    );
  } finally {
    await t.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
