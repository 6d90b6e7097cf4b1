// Issue 16: under a campaign the hub's main thread is the ceiling, and each SQL statement of the
// triage job costs it more (building, parsing) than the database takes to answer. The job reads the
// message, its contact's language and its context in one statement, reads whether staff already
// answered inside the conversation's update, and writes the decision with its audit row in one.
// These tests pin that count and what those folded statements still decide.
import { eq } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { ensureOrganization } from '../../src/clinic/organization';
import { appendOutboundMessage } from '../../src/conversations/conversation-store';
import type { OutboundServiceDeps } from '../../src/outbound/outbound-service';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { contacts, conversations } from '../../src/platform/db/schema';
import type { TriageContext, TriageResult } from '../../src/triage';
import { execTriageJob } from '../../src/triage/triage-job';
import { SLA_MINUTES } from '../../src/triage/urgency';
import { storeInbound } from '../support/store-inbound';
import { createTestDatabase, queryRows, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let handle: DatabaseHandle;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ url: database.url, poolSize: 2 });
  orgId = (await ensureOrganization(handle.db, { name: 'Test Clinic', timeZone: 'America/Chicago' })).id;
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

const routine: TriageResult = {
  intent: 'general',
  urgency: 'routine',
  confidence: 0.9,
  queue: 'front-desk',
  engine: 'keyword',
  reasons: ['test'],
  findings: [],
  version: 'test',
  language: 'en',
  clinicalContent: false,
};

let sid = 0;
const inbound = (from: string) => ({
  channel: 'sms',
  from: { kind: 'phone' as const, address: from },
  body: 'a question about my visit',
  media: [],
  providerMessageId: `SM${String(++sid).padStart(32, '0')}`,
});

/** Triages one message, returning what the classifier was told and the statements the job sent. */
async function triage(messageId: string) {
  const contexts: TriageContext[] = [];
  const deps = {
    db: handle.db,
    classify: async (_text: string, context: TriageContext) => {
      contexts.push(context);
      return routine;
    },
    // Unused: a routine message with acknowledgements off plans no reply.
    outbound: {} as OutboundServiceDeps,
    clinic: { name: 'Test Clinic', crisisLine: '988' },
    logger: pino({ level: 'silent' }),
  };
  const query = jest.spyOn(pg.Client.prototype, 'query');
  try {
    const outcome = await execTriageJob(deps, { messageId, requestId: 'req-statements' });
    return { outcome, context: contexts[0], statements: query.mock.calls.length };
  } finally {
    query.mockRestore();
  }
}

async function slaDueAt(conversationId: string) {
  const [row] = await handle.db
    .select({ slaDueAt: conversations.slaDueAt })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  return row!.slaDueAt;
}

test('a routine message is decided in 8 statements: its context read, its clock started, its decision audited', async () => {
  const first = await handle.db.transaction((tx) => storeInbound(tx, orgId, inbound('+14155550901'), 'r1'));
  await handle.db.update(contacts).set({ language: 'es' }).where(eq(contacts.id, first.contactId));
  await appendOutboundMessage(handle.db, {
    orgId,
    conversationId: first.conversationId,
    contactId: first.contactId,
    channel: 'sms',
    toAddress: '+14155550901',
    body: 'Your visit is tomorrow at 9',
    authorKind: 'system',
    automation: 'appointment_reminder',
    templateId: 'appointment-reminder',
  });
  const reply = await handle.db.transaction((tx) => storeInbound(tx, orgId, inbound('+14155550901'), 'r2'));

  const before = Date.now();
  const { outcome, context, statements } = await triage(reply.messageId);

  // begin, the message with its context, the undecided lock, campaign attribution, the
  // conversation's lock, its update, the decision with its audit row, commit.
  expect(statements).toBe(8);
  expect(outcome).toMatchObject({ kind: 'routed', result: { intent: 'general', queue: 'front-desk' } });
  expect(context).toEqual({ lastOutboundTemplate: 'appointment-reminder', language: 'es' });
  const due = (await slaDueAt(reply.conversationId))!.getTime();
  expect(due).toBeGreaterThanOrEqual(before + SLA_MINUTES.routine * 60_000);
  expect(due).toBeLessThanOrEqual(Date.now() + SLA_MINUTES.routine * 60_000);
  const audits = await queryRows<{ request_id: string; detail: Record<string, unknown> }>(
    database.url,
    "select request_id, detail from audit_log where action = 'triage.decided' and subject_id = $1",
    [reply.messageId],
  );
  expect(audits).toEqual([
    {
      request_id: 'req-statements',
      detail: { intent: 'general', urgency: 'routine', queue: 'front-desk', engine: 'keyword', actions: [] },
    },
  ]);
  const [stored] = await queryRows<{ triage: Record<string, unknown> }>(
    database.url,
    'select triage from messages where id = $1',
    [reply.messageId],
  );
  expect(stored!.triage).toMatchObject({ intent: 'general', urgency: 'routine', actions: [] });

  // Run again (BullMQ may): nothing more is written.
  expect((await triage(reply.messageId)).outcome).toEqual({ kind: 'skipped', reason: 'already_triaged' });
  const again = await queryRows(
    database.url,
    "select 1 from audit_log where action = 'triage.decided' and subject_id = $1",
    [reply.messageId],
  );
  expect(again).toHaveLength(1);
});

test('a staff reply written before triage got to the message leaves the clock stopped, in 8 statements too', async () => {
  const message = await handle.db.transaction((tx) => storeInbound(tx, orgId, inbound('+14155550902'), 'r3'));
  await appendOutboundMessage(handle.db, {
    orgId,
    conversationId: message.conversationId,
    contactId: message.contactId,
    channel: 'sms',
    toAddress: '+14155550902',
    body: 'We have your message',
    authorKind: 'staff',
    policy: { initiator: 'staff_reply' },
  });

  const { context, statements } = await triage(message.messageId);

  expect(statements).toBe(8);
  // The staff reply came after the message: it is not the message's context.
  expect(context).toEqual({ lastOutboundTemplate: undefined, language: undefined });
  expect(await slaDueAt(message.conversationId)).toBeNull();
});
