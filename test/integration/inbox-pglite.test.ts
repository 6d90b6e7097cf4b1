import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureOrganization } from '../../src/clinic/organization';
import { listInbox } from '../../src/inbox/conversation-list';
import { changeConversation } from '../../src/inbox/conversation-workflow';
import { queueStats, startOfClinicDay } from '../../src/inbox/queue-stats';
import { withoutJit } from '../../src/inbox/without-jit';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { ensureDefaultQueues, listQueues } from '../../src/staff/queue-directory';
import { createStaffUser } from '../../src/staff/staff-directory';
import { storeInbound } from '../support/store-inbound';

// The embedded engine runs the same inbox queries: full-text search, flags, snooze, stats.
let handle: DatabaseHandle;
let dir: string;
let orgId: string;
let staff: { id: string; orgId: string; email: string; name: string; role: 'admin'; queues: string[] };

const inbound = (sid: string, from: string, body: string) => ({
  channel: 'sms',
  from: { kind: 'phone' as const, address: from },
  body,
  media: [],
  providerMessageId: sid,
});

// Starting PGlite (WASM) and applying every migration takes seconds alone and far longer on a loaded
// machine: the setup gets its own allowance, not the default 30 s.
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-inbox-pglite-'));
  handle = await openDatabase({ dataDir: dir });
  orgId = (await ensureOrganization(handle.db, { name: 'Test Clinic', timeZone: 'America/Chicago' })).id;
  await ensureDefaultQueues(handle.db, orgId);
  const row = await createStaffUser(handle.db, {
    orgId,
    email: 'admin@pglite.test',
    name: 'Admin',
    role: 'admin',
    password: 'long-enough-password',
  });
  staff = { id: row.id, orgId, email: row.email, name: row.name, role: 'admin', queues: [] };
}, 180_000);
afterAll(async () => {
  await handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const list = (extra: Partial<Parameters<typeof listInbox>[1]> = {}) =>
  withoutJit(handle.db, (tx) =>
    listInbox(tx, { orgId, staffId: staff.id, limit: 50, sort: 'activity', ...extra }),
  );

test('queues are seeded and search, flags and snooze work on PGlite', async () => {
  expect((await listQueues(handle.db, orgId)).map((q) => q.id)).toEqual([
    'nurse-triage',
    'front-desk',
    'refills',
    'billing',
  ]);
  const a = await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'a'.repeat(32)}`, '+14155550101', 'need my inhaler refilled'), 'r1'),
  );
  await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'b'.repeat(32)}`, '+14155550102', 'question about a bill'), 'r2'),
  );
  const found = await list({ q: 'inhal' });
  expect(found.map((r) => r.summary.id)).toEqual([a.conversationId]);
  expect(found[0]!.summary).toMatchObject({
    unread: true,
    channels: ['sms'],
    snippet: 'need my inhaler refilled',
  });
  expect((await list({ q: '0101' })).map((r) => r.summary.id)).toEqual([a.conversationId]);

  const until = new Date(Date.now() + 3_600_000);
  const actor = { staff, ip: null, requestId: 'test' };
  const view = await changeConversation(handle.db, actor, a.conversationId, 'snoozed', async () => ({
    snoozeUntil: until,
  }));
  expect(view.snoozedUntil?.toISOString()).toBe(until.toISOString());
  expect((await list()).map((r) => r.summary.id)).not.toContain(a.conversationId);
  expect((await list({ status: 'snoozed' })).map((r) => r.summary.id)).toEqual([a.conversationId]);

  const stats = await withoutJit(handle.db, (tx) =>
    queueStats(tx, orgId, startOfClinicDay('America/Chicago')),
  );
  expect(stats.get('front-desk')).toMatchObject({
    volumeToday: 2,
    openNow: 2,
    medianFirstResponseSeconds: null,
  });
});
