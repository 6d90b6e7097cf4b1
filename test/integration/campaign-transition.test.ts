import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pino from 'pino';
import { insertRecipients } from '../../src/campaigns/campaign-audience';
import { transitionCampaign } from '../../src/campaigns/campaign-store';
import { openDatabase } from '../../src/platform/db/database';
import { LogCapture } from '../support/log-capture';
import { queryRows } from '../support/test-database';
import { type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// A campaign's run refreshes campaign_recipients' statistics once it has inserted its recipients
// (ANALYZE): best effort, so a failure of it leaves the rows in and the run going, but says so in the log.
jest.setTimeout(60_000);

let t: TestHub;
let admin: StaffApi;
beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
});
afterAll(async () => {
  await t.stop();
});

test('an insert of the recipients whose ANALYZE fails still inserts them and logs the failure, without patient data', async () => {
  const tag = `an${Date.now().toString(36)}`;
  const created = await admin
    .post('/campaigns', {
      name: `Analyze ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link: 'https://book.clinic.test/recall' },
    })
    .expect(201);
  const id = created.body.id as string;
  const [{ org_id: orgId }] = (await queryRows<{ org_id: string }>(
    t.database.url,
    'select org_id from campaigns where id = $1',
    [id],
  )) as [{ org_id: string }];
  // One contact in its audience: a start refuses an empty one.
  await queryRows(t.database.url, 'insert into contacts (org_id, tags) values ($1, $2::jsonb)', [
    orgId,
    JSON.stringify([tag]),
  ]);

  const handle = await openDatabase({ url: t.database.url, poolSize: 2 });
  const dialect = new PgDialect();
  let analyzed = 0;
  // The hub's database, but an ANALYZE fails as it would on a lock timeout or a revoked privilege.
  const db = new Proxy(handle.db, {
    get(target, prop, receiver) {
      if (prop !== 'execute') return Reflect.get(target, prop, receiver);
      return (query: SQL) => {
        if (/^\s*analyze\b/i.test(dialect.sqlToQuery(query).sql)) {
          analyzed += 1;
          return Promise.reject(new Error('canceling statement due to lock timeout'));
        }
        return target.execute(query);
      };
    },
  });
  const logs = new LogCapture();
  const channels = { get: () => undefined, deliveryChannels: () => [] };
  try {
    const row = await transitionCampaign(handle.db, orgId, id, 'start', channels);
    expect(row.status).toBe('running');
    expect(analyzed).toBe(0);
    const result = await insertRecipients(db, row, channels, { logger: pino({ level: 'warn' }, logs) });
    expect(result).toEqual({ inserted: 1, stopped: false });
    expect(analyzed).toBe(1);
    const warnings = logs.entries().filter((entry) => entry.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        campaignId: id,
        err: expect.objectContaining({ message: 'canceling statement due to lock timeout' }),
      }),
    ]);
    expect(Object.keys(warnings[0]!).sort()).toEqual([
      'campaignId',
      'err',
      'hostname',
      'level',
      'msg',
      'pid',
      'time',
    ]);
    // The rows are in, and the campaign knows it: it may complete once they are sent.
    const stored = await queryRows(
      t.database.url,
      'select status, recipients_inserted_at is not null as inserted from campaigns where id = $1',
      [id],
    );
    expect(stored).toEqual([{ status: 'running', inserted: true }]);
  } finally {
    await handle.close();
  }
});
