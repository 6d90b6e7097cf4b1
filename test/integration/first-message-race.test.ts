import { sql } from 'drizzle-orm';
import { ensureOrganization } from '../../src/clinic/organization';
import { resolveContactByIdentity } from '../../src/contacts/contact-directory';
import type { Queryable } from '../../src/platform/db/database';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { rowsOf } from '../../src/platform/db/rows';
import { storeInbound } from '../support/store-inbound';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Two first messages from one new number at once (a photo and its caption arrive as two webhooks):
// both requests find no contact for the address and both create one; the identity's unique key lets
// one win. The loser must neither fail nor write a contact it then deletes: a contact's delete
// checks every table that refers to contacts, some of them large and without an index on
// contact_id, inside the inbound transaction.
let database: TestDatabase;
let handle: DatabaseHandle;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ url: database.url, poolSize: 4 });
  orgId = (await ensureOrganization(handle.db, { name: 'Race Clinic', timeZone: 'UTC' })).id;
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

/**
 * Contacts inserted and deleted so far by the calling backend's pending statistics (PostgreSQL 15's
 * "xact" view may include earlier transactions of the same connection not yet flushed: callers
 * take the difference across their call).
 */
async function contactWrites(tx: Queryable): Promise<{ inserted: number; deleted: number }> {
  const [row] = rowsOf<{ ins: string; del: string }>(
    await tx.execute(
      sql`select n_tup_ins as ins, n_tup_del as del from pg_stat_xact_user_tables where relname = 'contacts'`,
    ),
  );
  return { inserted: Number(row?.ins ?? 0), deleted: Number(row?.del ?? 0) };
}

/** Resolves once another backend waits on a lock (the loser, on the winner's uncommitted identity). */
async function someoneWaitsOnALock(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const waiting = rowsOf<{ n: string }>(
      await handle.db.execute(
        sql`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
      ),
    );
    if (Number(waiting[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the second request never waited on the first');
}

/**
 * Runs `first` in a transaction held open after it, starts `second` in another, waits until the
 * second waits on the first's uncommitted identity, then commits the first; returns what the second
 * transaction wrote to contacts and both results.
 */
async function race<T>(first: (tx: Queryable) => Promise<T>, second: (tx: Queryable) => Promise<T>) {
  let commit!: () => void;
  const committed = new Promise<void>((resolve) => {
    commit = resolve;
  });
  let wrote!: () => void;
  const written = new Promise<void>((resolve) => {
    wrote = resolve;
  });
  const winner = handle.db.transaction(async (tx) => {
    const result = await first(tx);
    wrote();
    await committed;
    return result;
  });
  await written;
  const loser = handle.db.transaction(async (tx) => {
    const before = await contactWrites(tx);
    const result = await second(tx);
    const after = await contactWrites(tx);
    return {
      result,
      writes: { inserted: after.inserted - before.inserted, deleted: after.deleted - before.deleted },
    };
  });
  await someoneWaitsOnALock();
  commit();
  return { winner: await winner, loser: await loser };
}

const contactsWithAddress = async (address: string) =>
  rowsOf<{ contact_id: string }>(
    await handle.db.execute(
      sql`select c.id as contact_id from contacts c join contact_identities i on i.contact_id = c.id
        where i.org_id = ${orgId} and i.address = ${address}`,
    ),
  );

test('two first webhooks from one new number: one contact, and the loser creates and deletes none', async () => {
  const address = '+14155550911';
  const message = (n: number) => ({
    channel: 'sms' as const,
    from: { kind: 'phone' as const, address },
    body: `part ${n}`,
    media: [],
    providerMessageId: `SM${String(n).repeat(32)}`,
  });
  const before = rowsOf<{ n: string }>(await handle.db.execute(sql`select count(*) as n from contacts`));
  const { winner, loser } = await race(
    (tx) => storeInbound(tx, orgId, message(1), 'r1'),
    (tx) => storeInbound(tx, orgId, message(2), 'r2'),
  );
  expect(loser.writes).toEqual({ inserted: 0, deleted: 0 });
  expect(loser.result.contactId).toBe(winner.contactId);
  expect(loser.result.conversationId).toBe(winner.conversationId);
  expect(loser.result.duplicate).toBe(false);
  expect(await contactsWithAddress(address)).toEqual([{ contact_id: winner.contactId }]);
  const after = rowsOf<{ n: string }>(await handle.db.execute(sql`select count(*) as n from contacts`));
  expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(1);
});

test('two staff sends to one new address at once resolve to one contact, the loser writing none', async () => {
  const address = 'new.patient@example.org';
  const { winner, loser } = await race(
    (tx) => resolveContactByIdentity(tx, orgId, 'email', address),
    (tx) => resolveContactByIdentity(tx, orgId, 'email', address),
  );
  expect(loser.writes).toEqual({ inserted: 0, deleted: 0 });
  expect(loser.result).toBe(winner);
  expect(await contactsWithAddress(address)).toEqual([{ contact_id: winner }]);
});

test('a new address resolved outside a transaction is refused rather than left without its contact', async () => {
  // The identity is written before its contact; only a transaction's commit sees both.
  await expect(resolveContactByIdentity(handle.db, orgId, 'phone', '+14155550912')).rejects.toThrow();
  expect(await contactsWithAddress('+14155550912')).toEqual([]);
});
