import { sql } from 'drizzle-orm';
import { completeIfDone } from '../../src/campaigns/campaign-store';
import { rowsOf } from '../../src/platform/db/rows';
import { startTestHub, type TestHub } from '../support/test-hub';

// completeIfDone runs after every campaign send, asking first whether any recipient is still ready
// or pending. The statistics it is planned on are the ones ANALYZE took after the insert (every
// recipient pending) or after the decide phase (nearly all ready): at either moment of the sending
// they no longer match the table, and the check must still read an index entry, not every recipient.
jest.setTimeout(90_000);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ runWorkers: false });
});
afterAll(async () => {
  await t.stop();
});

const RECIPIENTS = 5_000;

/** Sequential scans of campaign_recipients this connection ran and has not reported yet. */
const seqScans = async (tx: Parameters<typeof completeIfDone>[0]) =>
  Number(
    rowsOf<{ n: string }>(
      await tx.execute(
        sql`select coalesce(sum(seq_scan), 0) as n from pg_stat_xact_user_tables where relname = 'campaign_recipients'`,
      ),
    )[0]!.n,
  );

test('the check after every send reads no whole table, whichever stale statistics it is planned on', async () => {
  const db = t.hub.database.db;
  const org = t.hub.org.id;
  const [campaign] = rowsOf<{ id: string }>(
    await db.execute(sql`
      insert into campaigns (org_id, name, template, audience, status, run, recipients_inserted_at)
      values (${org}, 'check', 'recall-outreach', '{"filter":{}}', 'running', 1, now()) returning id`),
  );
  const id = campaign!.id;
  await db.execute(sql`
    insert into contacts (org_id, display_name) select ${org}, 'Check ' || g from generate_series(1, ${RECIPIENTS}) g`);
  await db.execute(sql`
    insert into campaign_recipients (campaign_id, contact_id)
    select ${id}, c.id from contacts c where c.org_id = ${org} and c.display_name like 'Check %'`);
  // As the run's insert leaves them: every recipient pending, and analyzed so.
  await db.execute(sql`analyze campaign_recipients`);
  // The decide phase: all ready (as of the old code, with no ANALYZE after it).
  await db.execute(
    sql`update campaign_recipients set status = 'ready', channel = 'sms', due_at = now() where campaign_id = ${id}`,
  );
  const check = () =>
    db.transaction(async (tx) => {
      // The connection's counts not yet reported include its earlier statements': a difference.
      const before = await seqScans(tx);
      expect(await completeIfDone(tx, id)).toBe(false);
      return (await seqScans(tx)) - before;
    });
  // Sending: 'is anyone pending?' looked like a row met at once in a scan; it read every recipient.
  expect(await check()).toBe(0);

  // The tail: statistics say nearly all ready, and all but a few were released (their rows planned).
  await db.execute(sql`analyze campaign_recipients`);
  await db.execute(sql`
    update campaign_recipients set status = 'skipped', skip_reason = 'test'
    where campaign_id = ${id} and id not in (
      select id from campaign_recipients where campaign_id = ${id} order by id desc limit 3)`);
  expect(await check()).toBe(0);

  await db.execute(sql`delete from campaign_recipients where campaign_id = ${id}`);
  await db.execute(sql`delete from campaigns where id = ${id}`);
  await db.execute(sql`delete from contacts where org_id = ${org} and display_name like 'Check %'`);
});
