import { sql } from 'drizzle-orm';
import { ensureOrganization } from '../../src/clinic/organization';
import { stopSlaClock } from '../../src/conversations/conversation-store';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { storeInbound } from '../support/store-inbound';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Every message written into a conversation takes a KEY SHARE lock on the conversation's row (the
// foreign key check) and later updates that row. A writer that locked the row FOR UPDATE in between
// (the triage job routing it, a staff reply stopping the SLA clock) waited on that KEY SHARE while
// queued ahead of the first writer's own update: a deadlock, and a 500 on the staff reply. The
// hub's conversation locks are FOR NO KEY UPDATE, which a foreign key check does not block.
let database: TestDatabase;
let handle: DatabaseHandle;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ url: database.url, poolSize: 4 });
  orgId = (await ensureOrganization(handle.db, { name: 'Lock Clinic', timeZone: 'UTC' })).id;
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

test('stopping the SLA clock is not blocked by a message being written into the same conversation', async () => {
  const inbound = await handle.db.transaction((tx) =>
    storeInbound(
      tx,
      orgId,
      {
        channel: 'sms',
        from: { kind: 'phone', address: '+14155550177' },
        body: 'hello',
        media: [],
        providerMessageId: `SM${'f'.repeat(32)}`,
      },
      'r1',
    ),
  );
  const conversationId = inbound.conversationId;
  await handle.db.execute(
    sql`update conversations set sla_due_at = now() + interval '1 hour' where id = ${conversationId}`,
  );

  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held!: () => void;
  const holding = new Promise<void>((resolve) => {
    held = resolve;
  });
  // A writer in the middle of adding a message: it holds what the foreign key check takes.
  const writer = handle.db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from conversations where id = ${conversationId} for key share`);
    held();
    await released;
  });
  await holding;
  try {
    const answered = await handle.db.transaction(async (tx) => {
      // Waiting on the writer would be the first half of the deadlock: give up quickly instead.
      await tx.execute(sql`set local lock_timeout = '3s'`);
      return stopSlaClock(tx, conversationId);
    });
    expect(answered).toBeInstanceOf(Date);
  } finally {
    release();
    await writer;
  }
});
