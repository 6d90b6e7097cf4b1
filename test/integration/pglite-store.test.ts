import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import {
  type ChannelAdapter,
  type OutboundEnvelope,
  type ReconcileRequest,
  type ReconcileResult,
  SendError,
} from '../../src/channel-port';
import { ChannelRegistry } from '../../src/channel-port/channel-registry';
import { ensureOrganization } from '../../src/clinic/organization';
import { appendOutboundMessage, applyStatusUpdate } from '../../src/conversations/conversation-store';
import type { OutboundServiceDeps } from '../../src/outbound/outbound-service';
import { execSendJob } from '../../src/outbound/send-job';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { conversations, messages } from '../../src/platform/db/schema';
import { isOptedOut, recordConsent } from '../../src/policy/consent-ledger';
import { TriageThreadError } from '../../src/triage';
import { execTriageJob } from '../../src/triage/triage-job';
import { storeInbound } from '../support/store-inbound';

// The embedded engine `npm start` uses without DATABASE_URL: the same migrations and queries must work.
let handle: DatabaseHandle;
let dir: string;
let orgId: string;

/** A channel double whose next answers the test decides: the send job is exercised without Redis. */
class ScriptedChannel implements ChannelAdapter {
  readonly channel = 'sms';
  readonly label = 'SMS';
  readonly identityKind = 'phone' as const;
  readonly maxSensitivity = 'limited' as const;
  readonly sandbox = true;
  readonly sent: OutboundEnvelope[] = [];
  next: (() => Promise<void>) | null = null;
  /** What the provider "knows" when asked about an interrupted send; absent: cannot be asked. */
  reconcileWith: ((request: ReconcileRequest) => Promise<ReconcileResult>) | null = null;
  readonly reconcileRequests: ReconcileRequest[] = [];
  get reconcile() {
    const answer = this.reconcileWith;
    if (!answer) return undefined;
    return async (request: ReconcileRequest) => {
      this.reconcileRequests.push(request);
      return answer(request);
    };
  }
  async send(envelope: OutboundEnvelope) {
    if (this.next) {
      const step = this.next;
      this.next = null;
      await step();
    }
    this.sent.push(envelope);
    return {
      providerMessageId: `SM${String(this.sent.length).padStart(32, '0')}`,
      status: 'queued' as const,
    };
  }
}

const inbound = (sid: string, from = '+14155550123') => ({
  channel: 'sms',
  from: { kind: 'phone' as const, address: from },
  body: 'hello from pglite',
  media: [],
  providerMessageId: sid,
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-pglite-'));
  handle = await openDatabase({ dataDir: dir });
  orgId = (await ensureOrganization(handle.db, { name: 'Test Clinic', timeZone: 'America/Chicago' })).id;
});
afterAll(async () => {
  await handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('migrations ran on PGlite and the engine says so', () => {
  expect(handle.engine).toBe('pglite');
});

test('inbound storage is idempotent on the provider id', async () => {
  const first = await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'1'.repeat(32)}`), 'r1'),
  );
  const again = await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'1'.repeat(32)}`), 'r2'),
  );
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ ...first, duplicate: true });
  const second = await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'2'.repeat(32)}`), 'r3'),
  );
  expect(second.conversationId).toBe(first.conversationId);
  expect(second.contactId).toBe(first.contactId);
});

test('consent ledger: newest entry wins, and rows cannot be changed', async () => {
  const receipt = await handle.db.transaction((tx) =>
    storeInbound(tx, orgId, inbound(`SM${'3'.repeat(32)}`, '+14155550999'), 'r4'),
  );
  expect(await isOptedOut(handle.db, receipt.contactId, 'sms', 'care')).toBe(false);
  await recordConsent(handle.db, {
    orgId,
    contactId: receipt.contactId,
    channel: 'sms',
    purpose: 'all',
    status: 'opted_out',
    source: 'test',
  });
  expect(await isOptedOut(handle.db, receipt.contactId, 'sms', 'care')).toBe(true);
  expect(await isOptedOut(handle.db, receipt.contactId, 'email', 'care')).toBe(false);
  await recordConsent(handle.db, {
    orgId,
    contactId: receipt.contactId,
    channel: 'sms',
    purpose: 'all',
    status: 'opted_in',
    source: 'test',
  });
  expect(await isOptedOut(handle.db, receipt.contactId, 'sms', 'care')).toBe(false);
  const refusal = await handle.db
    .execute('update consent_ledger set status = $$opted_in$$')
    .catch((e: Error) => e);
  expect(refusal).toBeInstanceOf(Error);
  expect(String((refusal as Error & { cause?: Error }).cause?.message)).toMatch(/append-only/);
});

describe('the send job, without Redis', () => {
  let channel: ScriptedChannel;
  let deps: Parameters<typeof execSendJob>[0];
  let conversation: { conversationId: string; contactId: string };

  beforeAll(async () => {
    channel = new ScriptedChannel();
    deps = {
      db: handle.db,
      channels: new ChannelRegistry([channel]),
      logger: pino({ level: 'silent' }),
      leaseSeconds: 60,
    };
    conversation = await handle.db.transaction((tx) =>
      storeInbound(tx, orgId, inbound(`SM${'4'.repeat(32)}`), 'r5'),
    );
  });

  const outbox = (body: string) =>
    appendOutboundMessage(handle.db, {
      orgId,
      ...conversation,
      channel: 'sms',
      toAddress: '+14155550123',
      body,
      authorKind: 'staff',
    });
  const status = async (id: string) =>
    (await handle.db.select().from(messages).where(eq(messages.id, id)))[0]!;

  test('sends once; a second run of the same job does nothing', async () => {
    const row = await outbox('once');
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
      kind: 'sent',
    });
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toEqual({
      kind: 'skipped',
      reason: 'already_handled',
    });
    expect(channel.sent.filter((e) => e.body === 'once')).toHaveLength(1);
    expect((await status(row.id)).status).toBe('queued');
  });

  test('a retryable failure puts the row back to pending; the final attempt marks it failed', async () => {
    const row = await outbox('flaky');
    channel.next = async () => {
      throw new SendError('http_503', 'unavailable', true);
    };
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
      kind: 'retry',
    });
    expect((await status(row.id)).status).toBe('pending');
    channel.next = async () => {
      throw new SendError('http_503', 'unavailable', true);
    };
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: true })).toEqual({
      kind: 'failed',
      code: 'http_503',
    });
    const final = await status(row.id);
    expect(final.status).toBe('failed');
    expect(final.sendAttempts).toBe(2);
  });

  /** Leaves the row as a run that died mid-send does: claimed, its lease lapsed (or, before leases, none). */
  const crashMidSend = (id: string, leaseUntil: Date | null = new Date(Date.now() - 1000)) =>
    handle.db
      .update(messages)
      .set({ status: 'sending', sendAttempts: 1, claimedAt: new Date(Date.now() - 61_000), leaseUntil })
      .where(eq(messages.id, id));

  test('a claim whose lease still holds is left to its worker', async () => {
    const row = await outbox('claimed elsewhere');
    await crashMidSend(row.id, new Date(Date.now() + 60_000));
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toEqual({
      kind: 'skipped',
      reason: 'in_progress',
    });
    expect((await status(row.id)).status).toBe('sending');
    expect(channel.sent.filter((e) => e.body === 'claimed elsewhere')).toHaveLength(0);
  });

  test('an interrupted send on a channel that cannot be asked fails for a person, with the reason in words', async () => {
    const row = await outbox('crashed mid-send');
    await crashMidSend(row.id, null);
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toEqual({
      kind: 'failed',
      code: 'send_interrupted',
    });
    const failed = await status(row.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('send_interrupted');
    expect(failed.errorMessage).toMatch(/cannot be asked whether the message went out/);
    expect(channel.sent.filter((e) => e.body === 'crashed mid-send')).toHaveLength(0);
  });

  test('an interrupted send the provider accepted is adopted, not sent again', async () => {
    const row = await outbox('accepted before the crash');
    await crashMidSend(row.id);
    const sid = `SM${'a'.repeat(32)}`;
    channel.reconcileWith = async () => ({
      kind: 'accepted',
      sends: [{ providerMessageId: sid, status: 'sent' }],
    });
    try {
      expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toEqual({
        kind: 'sent',
        providerMessageId: sid,
        adopted: true,
      });
    } finally {
      channel.reconcileWith = null;
    }
    const adopted = await status(row.id);
    expect(adopted).toMatchObject({
      status: 'sent',
      providerMessageId: sid,
      leaseUntil: null,
      sendAttempts: 2,
    });
    expect(channel.reconcileRequests.at(-1)).toMatchObject({
      messageId: row.id,
      body: 'accepted before the crash',
    });
    expect(channel.sent.filter((e) => e.body === 'accepted before the crash')).toHaveLength(0);
  });

  test('an interrupted send the provider never saw is sent, once', async () => {
    const row = await outbox('lost before the call');
    await crashMidSend(row.id);
    channel.reconcileWith = async () => ({ kind: 'absent' });
    try {
      expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
        kind: 'sent',
        adopted: false,
      });
      expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toEqual({
        kind: 'skipped',
        reason: 'already_handled',
      });
    } finally {
      channel.reconcileWith = null;
    }
    expect(channel.sent.filter((e) => e.body === 'lost before the call')).toHaveLength(1);
    expect((await status(row.id)).status).toBe('queued');
  });

  test('a lost provider answer lapses the lease at once; the next attempt asks the provider instead of resending', async () => {
    const row = await outbox('answer lost');
    channel.next = async () => {
      throw new SendError('provider_connection_lost', 'the connection closed before the answer', true, true);
    };
    expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
      kind: 'retry',
    });
    const lapsed = await status(row.id);
    expect(lapsed.status).toBe('sending');
    expect(lapsed.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const sid = `SM${'b'.repeat(32)}`;
    channel.reconcileWith = async () => ({
      kind: 'accepted',
      sends: [{ providerMessageId: sid, status: 'queued' }],
    });
    try {
      await handle.db
        .update(messages)
        .set({ leaseUntil: new Date(Date.now() - 1) })
        .where(eq(messages.id, row.id));
      expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
        kind: 'sent',
        adopted: true,
      });
    } finally {
      channel.reconcileWith = null;
    }
    // The second attempt adopted the provider's copy: send was never called again.
    expect(channel.sent.filter((e) => e.body === 'answer lost')).toHaveLength(0);
    expect((await status(row.id)).providerMessageId).toBe(sid);
  });

  test('a provider that cannot be asked right now leaves the claim lapsed for a later attempt', async () => {
    const row = await outbox('provider down while asking');
    await crashMidSend(row.id);
    channel.reconcileWith = async () => {
      throw new SendError('provider_unreachable', 'down', true);
    };
    try {
      expect(await execSendJob(deps, { messageId: row.id }, { isFinal: false })).toMatchObject({
        kind: 'retry',
        code: 'provider_unreachable',
      });
    } finally {
      channel.reconcileWith = null;
    }
    expect((await status(row.id)).status).toBe('sending');
    expect(channel.sent.filter((e) => e.body === 'provider down while asking')).toHaveLength(0);
  });

  test('a status callback that beats the send result is applied when the id is recorded', async () => {
    const row = await outbox('fast callback');
    const expectedSid = `SM${String(channel.sent.length + 1).padStart(32, '0')}`;
    const early = await handle.db.transaction((tx) =>
      applyStatusUpdate(tx, {
        channel: 'sms',
        providerMessageId: expectedSid,
        status: 'delivered',
        providerStatus: 'delivered',
      }),
    );
    expect(early).toEqual({ messageId: null, applied: false });
    await execSendJob(deps, { messageId: row.id }, { isFinal: false });
    expect((await status(row.id)).status).toBe('delivered');
  });
});

describe('the triage job, without Redis', () => {
  test('a classifier that throws still routes the message to front desk, flagged, and runs once', async () => {
    const receipt = await handle.db.transaction((tx) =>
      storeInbound(tx, orgId, inbound(`SM${'5'.repeat(32)}`, '+14155550777'), 'r6'),
    );
    const deps = {
      db: handle.db,
      classify: async () => {
        throw new Error('model crashed');
      },
      // Unused: the classifier fails before any reply is planned.
      outbound: {} as OutboundServiceDeps,
      clinic: { name: 'Test Clinic', crisisLine: '988' },
      logger: pino({ level: 'silent' }),
    };
    const outcome = await execTriageJob(deps, { messageId: receipt.messageId });
    expect(outcome).toMatchObject({
      kind: 'routed',
      result: { intent: 'general', queue: 'front-desk', flagged: true },
    });
    expect(await execTriageJob(deps, { messageId: receipt.messageId })).toEqual({
      kind: 'skipped',
      reason: 'already_triaged',
    });
    const [conversation] = await handle.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, receipt.conversationId));
    expect(conversation!.queue).toBe('front-desk');
  });

  test('triage that could not run (its thread died) fails the job while attempts remain, then goes to a person', async () => {
    const receipt = await handle.db.transaction((tx) =>
      storeInbound(tx, orgId, inbound(`SM${'6'.repeat(32)}`, '+14155550778'), 'r7'),
    );
    const deps = {
      db: handle.db,
      classify: async () => {
        throw new TriageThreadError('TRIAGE_THREAD_EXITED', 'the triage thread stopped');
      },
      // Unused: the classifier fails before any reply is planned.
      outbound: {} as OutboundServiceDeps,
      clinic: { name: 'Test Clinic', crisisLine: '988' },
      logger: pino({ level: 'silent' }),
    };
    await expect(execTriageJob(deps, { messageId: receipt.messageId }, false)).rejects.toMatchObject({
      code: 'TRIAGE_THREAD_EXITED',
    });
    const [untouched] = await handle.db.select().from(messages).where(eq(messages.id, receipt.messageId));
    expect(untouched!.triage).toBeNull();
    expect(await execTriageJob(deps, { messageId: receipt.messageId }, true)).toMatchObject({
      kind: 'routed',
      result: { intent: 'general', queue: 'front-desk', flagged: true },
    });
  });
});

test('a second hub cannot open the same embedded data folder while the first has it', async () => {
  await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/in use by process/);
});
