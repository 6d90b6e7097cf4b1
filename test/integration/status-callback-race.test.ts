import { eq } from 'drizzle-orm';
import pino from 'pino';
import type { ChannelAdapter, OutboundEnvelope } from '../../src/channel-port';
import { ChannelRegistry } from '../../src/channel-port/channel-registry';
import { ensureOrganization } from '../../src/clinic/organization';
import { appendOutboundMessage, applyStatusUpdate } from '../../src/conversations/conversation-store';
import { execSendJob } from '../../src/outbound/send-job';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { messages } from '../../src/platform/db/schema';
import { storeInbound } from '../support/store-inbound';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// A provider may post a status callback before its answer to the send has been written: Twilio often
// does. The callback and the send's own transaction must never miss each other, whatever the order
// their statements interleave in, on a real PostgreSQL server with concurrent transactions.
let database: TestDatabase;
let handle: DatabaseHandle;
let orgId: string;

const SID = `SM${'e'.repeat(32)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ url: database.url, poolSize: 5 });
  orgId = (await ensureOrganization(handle.db, { name: 'Race Clinic', timeZone: 'UTC' })).id;
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

test('a delivered callback whose transaction is still open while the send records the provider id is not lost', async () => {
  let releaseCallback!: () => void;
  const callbackHeld = new Promise<void>((resolve) => {
    releaseCallback = resolve;
  });
  let callbackDone: Promise<unknown> = Promise.resolve();

  // The provider answers the send only after its callback is in flight: the callback has looked for
  // the message (not there yet) and written its event, but not committed.
  const channel: ChannelAdapter = {
    channel: 'sms',
    label: 'SMS',
    identityKind: 'phone',
    maxSensitivity: 'limited',
    sandbox: true,
    async send(_envelope: OutboundEnvelope) {
      let written!: () => void;
      const callbackWritten = new Promise<void>((resolve) => {
        written = resolve;
      });
      callbackDone = handle.db.transaction(async (tx) => {
        await applyStatusUpdate(tx, {
          channel: 'sms',
          providerMessageId: SID,
          status: 'delivered',
          providerStatus: 'delivered',
        });
        written();
        await callbackHeld;
      });
      await callbackWritten;
      // Commit the callback a moment after the send has gone on to record the provider id.
      setTimeout(releaseCallback, 300);
      return { providerMessageId: SID, status: 'queued' };
    },
  };

  const inbound = await handle.db.transaction((tx) =>
    storeInbound(
      tx,
      orgId,
      {
        channel: 'sms',
        from: { kind: 'phone', address: '+14155550166' },
        body: 'hello',
        media: [],
        providerMessageId: `SM${'d'.repeat(32)}`,
      },
      'r1',
    ),
  );
  const outbox = await appendOutboundMessage(handle.db, {
    orgId,
    conversationId: inbound.conversationId,
    contactId: inbound.contactId,
    channel: 'sms',
    toAddress: '+14155550166',
    body: 'Your refill is ready',
    authorKind: 'staff',
  });

  const outcome = await execSendJob(
    {
      db: handle.db,
      channels: new ChannelRegistry([channel]),
      logger: pino({ level: 'silent' }),
      leaseSeconds: 60,
    },
    { messageId: outbox.id },
    { isFinal: false },
  );
  await callbackDone;
  expect(outcome).toMatchObject({ kind: 'sent', providerMessageId: SID });
  const [row] = await handle.db.select().from(messages).where(eq(messages.id, outbox.id));
  expect(row!.status).toBe('delivered');
  expect(row!.deliveredAt).not.toBeNull();
});
