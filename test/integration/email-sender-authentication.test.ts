import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import request from 'supertest';
import { channelFactories } from '../../channels';
import { createEmailChannel } from '../../channels/email';
import { DnsStandIn } from '../support/dns-stand-in';
import { queryRows } from '../support/test-database';
import { startTestHub, type TestHub } from '../support/test-hub';

const DOMAIN = 'mail.clinic.test';
const SECRET = 'email-webhook-secret-0123456789';
const RELAY = 'mx.clinic.test';
const RATE = 4;

/** The patient's real domain: mail only from 192.0.2.10, signed with its DKIM key, DMARC p=reject. */
const PATIENTS = 'patients.example';
/** A domain of the attacker's own, with a working DKIM key: a valid signature, of the wrong domain. */
const ATTACKER = 'attacker.example';
/** A domain that publishes nothing: no SPF, no DKIM key, no DMARC. */
const SILENT = 'silent.example';

const dns = new DnsStandIn();
dns.spf(PATIENTS, 'v=spf1 ip4:192.0.2.10 -all');
dns.dmarc(PATIENTS, 'reject');
const patientsKey = dns.dkimKey(PATIENTS, 's1');
dns.spf(ATTACKER, 'v=spf1 ip4:127.0.0.0/8 -all');
const attackerKey = dns.dkimKey(ATTACKER, 'a1');

let t: TestHub;
let inboundPort: number;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  inboundPort = await freePort();
  t = await startTestHub({
    channelFactories: channelFactories.map((factory) =>
      factory === createEmailChannel
        ? (context) => createEmailChannel(context, { dnsResolver: dns.resolver })
        : factory,
    ),
    env: {
      SMTP_INBOUND_PORT: String(inboundPort),
      EMAIL_INBOUND_DOMAINS: DOMAIN,
      EMAIL_REPLY_DOMAIN: DOMAIN,
      EMAIL_INBOUND_SECRET: SECRET,
      EMAIL_WEBHOOK_AUTHSERV_ID: RELAY,
      SMTP_INBOUND_MESSAGES_PER_MINUTE: String(RATE),
    },
  });
});
afterAll(async () => {
  await t?.stop();
});

/**
 * Mail sent to the hub's listener from `peer` (a loopback address of its own: the listener limits
 * each peer's rate, so every test speaks from its own address), DKIM-signed when `dkim` is given.
 */
function sendMail(
  peer: string,
  message: SendMailOptions,
  dkim?: { domainName: string; keySelector: string; privateKey: string },
) {
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inboundPort,
    secure: false,
    ignoreTLS: true,
    localAddress: peer,
    ...(dkim ? { dkim } : {}),
  });
  return client.sendMail({ to: `frontdesk@${DOMAIN}`, ...message }).finally(() => client.close());
}

const storedByProviderId = async (id: string) => {
  const rows = await queryRows<{ id: string; contact_id: string; conversation_id: string }>(
    t.database.url,
    'select id, contact_id, conversation_id from messages where provider_message_id = $1',
    [id],
  );
  return rows[0];
};

async function knownPatient(local: string) {
  const api = await t.api();
  const res = await api.post('/contacts', { name: 'Ana Lopez', email: `${local}@${PATIENTS}` }).expect(201);
  return res.body.contact.id as string;
}

describe('sender authentication over SMTP', () => {
  test('mail DKIM-signed by the From domain is authenticated and lands in the patient’s thread', async () => {
    const local = `ana.${randomUUID().slice(0, 8)}`;
    const contactId = await knownPatient(local);
    const info = await sendMail(
      '127.0.0.2',
      { from: `Ana Lopez <${local}@${PATIENTS}>`, subject: 'Refill', text: 'Can I get a refill?' },
      { domainName: PATIENTS, keySelector: 's1', privateKey: patientsKey },
    );
    // The acknowledgement names nothing of ours (it used to carry the stored message's id).
    expect(info.response).toBe('250 OK: queued');
    const row = await storedByProviderId(info.messageId);
    expect(row?.contact_id).toBe(contactId);

    const api = await t.api();
    const detail = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    const message = detail.body.conversation.messages.find((m: { id: string }) => m.id === row!.id);
    expect(message.senderUnverified).toBe(false);
    expect(message.channelMeta.senderAuthentication).toMatchObject({
      verified: true,
      reason: 'dmarc_pass',
      dmarc: 'pass',
      // Sent from 127.0.0.2, which the domain's SPF does not list: DKIM alone carries it.
      spf: 'fail',
    });
  });

  test('a forged From (SPF fail, no DKIM) is stored flagged, apart from the patient it names', async () => {
    const local = `ana.${randomUUID().slice(0, 8)}`;
    const contactId = await knownPatient(local);
    const genuine = await sendMail(
      '127.0.0.3',
      { from: `${local}@${PATIENTS}`, text: 'My real question' },
      { domainName: PATIENTS, keySelector: 's1', privateKey: patientsKey },
    );
    const patientThread = (await storedByProviderId(genuine.messageId))!.conversation_id;

    const forged = await sendMail('127.0.0.3', {
      from: `Ana Lopez <${local}@${PATIENTS}>`,
      subject: 'Change of address',
      text: 'Please send my results to this address from now on.',
    });
    // Nothing is lost: the message is accepted and stored...
    expect(forged.response).toBe('250 OK: queued');
    const row = await storedByProviderId(forged.messageId);
    expect(row).toBeDefined();
    // ...but not with the patient, and not in her thread.
    expect(row!.contact_id).not.toBe(contactId);
    expect(row!.conversation_id).not.toBe(patientThread);

    const api = await t.api();
    const held = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    expect(held.body.conversation.contact.identities).toEqual([
      {
        kind: 'unverified-email',
        address: `${local}@${PATIENTS}`,
        display: `${local}@${PATIENTS}`,
        undeliverable: false,
      },
    ]);
    const message = held.body.conversation.messages.find((m: { id: string }) => m.id === row!.id);
    expect(message.senderUnverified).toBe(true);
    expect(message.channelMeta.senderAuthentication).toMatchObject({
      verified: false,
      reason: 'dmarc_fail',
      spf: 'fail',
      dkim: [],
    });
    const patient = await api.get(`/conversations/${patientThread}`).expect(200);
    expect(patient.body.conversation.messages.map((m: { id: string }) => m.id)).not.toContain(row!.id);
  });

  test('a valid DKIM signature of another domain does not vouch for the From address', async () => {
    const local = `ana.${randomUUID().slice(0, 8)}`;
    const contactId = await knownPatient(local);
    const info = await sendMail(
      '127.0.0.4',
      {
        from: `${local}@${PATIENTS}`,
        // The envelope is the attacker's own, so SPF passes too, for the wrong domain.
        envelope: { from: `bounce@${ATTACKER}`, to: [`frontdesk@${DOMAIN}`] },
        text: 'Cancel all my appointments',
      },
      { domainName: ATTACKER, keySelector: 'a1', privateKey: attackerKey },
    );
    const row = await storedByProviderId(info.messageId);
    expect(row!.contact_id).not.toBe(contactId);
    const api = await t.api();
    const detail = await api.get(`/conversations/${row!.conversation_id}`).expect(200);
    const message = detail.body.conversation.messages.find((m: { id: string }) => m.id === row!.id);
    expect(message.senderUnverified).toBe(true);
    expect(message.channelMeta.senderAuthentication).toMatchObject({
      reason: 'dmarc_fail',
      spf: 'pass',
      dkim: [`pass:${ATTACKER}`],
    });
  });

  test('a domain that publishes nothing cannot be authenticated: flagged, and a second mail joins the first', async () => {
    const address = `someone.${randomUUID().slice(0, 8)}@${SILENT}`;
    const first = await sendMail('127.0.0.5', { from: address, text: 'Hello, is this the clinic?' });
    const second = await sendMail('127.0.0.5', { from: address, text: 'Hello again' });
    const a = await storedByProviderId(first.messageId);
    const b = await storedByProviderId(second.messageId);
    // Held under one "unverified sender" contact per claimed address, so staff read it as one thread.
    expect(b!.conversation_id).toBe(a!.conversation_id);
    const identities = await queryRows<{ kind: string }>(
      t.database.url,
      'select kind from contact_identities where address = $1',
      [address],
    );
    expect(identities).toEqual([{ kind: 'unverified-email' }]);
  });
});

describe('limits of the SMTP listener', () => {
  test(`one peer address gets ${RATE} messages a minute, then 421; another address is not held up`, async () => {
    const from = `flood.${randomUUID().slice(0, 8)}@${SILENT}`;
    for (let i = 0; i < RATE; i += 1) {
      const info = await sendMail('127.0.0.10', { from, text: `message ${i}` });
      expect(info.response).toMatch(/^250/);
    }
    await expect(sendMail('127.0.0.10', { from, text: 'one too many' })).rejects.toMatchObject({
      responseCode: 421,
    });
    const other = await sendMail('127.0.0.11', { from, text: 'from elsewhere' });
    expect(other.response).toMatch(/^250/);
  });

  test('a message over the size limit is refused mid-stream: 552 before the sender is done, memory stays flat', async () => {
    const total = 50 * 1024 * 1024;
    const limit = 10 * 1024 * 1024;
    const before = await countInbound();
    const samples: NodeJS.MemoryUsage[] = [];
    const baseline = process.memoryUsage();
    const sampler = setInterval(() => samples.push(process.memoryUsage()), 10);
    let result: Awaited<ReturnType<typeof streamOversized>>;
    try {
      result = await streamOversized('127.0.0.20', total);
    } finally {
      clearInterval(sampler);
    }
    expect(result.reply).toMatch(/^552 /);
    // The refusal came while the sender was still writing: the listener stopped reading, it did
    // not wait for 50 MB and the final dot. (Slack for what the kernels' socket buffers hold.)
    expect(result.writtenAtReply).toBeLessThan(limit + 16 * 1024 * 1024);
    expect(result.closedByServer).toBe(true);
    // Nothing of the message is held: buffers grew by far less than the 10 MB limit plus the 50 MB
    // sent (the old listener kept every chunk, then concatenated them).
    const peak = (key: 'arrayBuffers' | 'rss') => Math.max(...samples.map((s) => s[key])) - baseline[key];
    expect(peak('arrayBuffers')).toBeLessThan(25 * 1024 * 1024);
    expect(peak('rss')).toBeLessThan(80 * 1024 * 1024);
    expect(await countInbound()).toBe(before);

    // The listener carries on serving.
    const info = await sendMail('127.0.0.21', {
      from: `after.${randomUUID().slice(0, 6)}@${SILENT}`,
      text: 'ok',
    });
    expect(info.response).toMatch(/^250/);
  });
});

describe('the webhook behind a relay that authenticates (EMAIL_WEBHOOK_AUTHSERV_ID)', () => {
  const post = (raw: string) =>
    request(t.hub.url)
      .post('/webhooks/email/inbound')
      .set('Content-Type', 'message/rfc822')
      .set('X-CareLine-Email-Secret', SECRET)
      .send(raw)
      .expect(200);

  const mail = (from: string, authenticationResults: string[]) =>
    [
      ...authenticationResults.map((value) => `Authentication-Results: ${value}`),
      `From: ${from}`,
      `To: frontdesk@${DOMAIN}`,
      'Subject: Hello',
      `Message-ID: <${randomUUID()}@${PATIENTS}>`,
      '',
      'Is my prescription ready?',
      '',
    ].join('\r\n');

  test.each([
    ['the relay says DMARC passed', true, [`${RELAY}; dkim=pass header.d=${PATIENTS}; dmarc=pass`]],
    ['the relay says DMARC failed', false, [`${RELAY}; spf=fail smtp.mailfrom=${PATIENTS}; dmarc=fail`]],
    [
      'only another server says it passed (anyone can write that header)',
      false,
      [`evil.example; dmarc=pass`],
    ],
    ['no verdict at all', false, []],
  ])('%s: matched to the patient = %p', async (_case, matched, results) => {
    const local = `ana.${randomUUID().slice(0, 8)}`;
    const contactId = await knownPatient(local);
    const res = await post(mail(`${local}@${PATIENTS}`, results));
    expect(res.body.stored).toBe(true);
    const [row] = await queryRows<{ contact_id: string; channel_meta: Record<string, unknown> }>(
      t.database.url,
      'select contact_id, channel_meta from messages where id = $1',
      [res.body.messageId],
    );
    expect(row!.contact_id === contactId).toBe(matched);
    expect(row!.channel_meta.senderUnverified === true).toBe(!matched);
  });
});

const countInbound = async () =>
  Number(
    (
      await queryRows<{ n: string }>(
        t.database.url,
        "select count(*) as n from messages where direction = 'inbound'",
      )
    )[0]!.n,
  );

/**
 * A raw SMTP client that declares no SIZE and streams `total` bytes of DATA, stopping as soon as
 * the server answers (a well-behaved client reads replies while it writes). One 64 KB chunk is
 * written again and again, so the test's own memory stays flat.
 */
async function streamOversized(peer: string, total: number) {
  const socket = net.connect({ host: '127.0.0.1', port: inboundPort, localAddress: peer });
  let received = '';
  let closedByServer = false;
  const replies: string[] = [];
  let notify: (() => void) | null = null;
  socket.on('data', (data) => {
    received += data.toString('latin1');
    let end = received.indexOf('\r\n');
    while (end >= 0) {
      const line = received.slice(0, end);
      received = received.slice(end + 2);
      // Multi-line replies (EHLO) end with "code SP".
      if (/^\d{3} /.test(line)) replies.push(line);
      end = received.indexOf('\r\n');
    }
    notify?.();
  });
  socket.on('end', () => {
    closedByServer = true;
    notify?.();
  });
  socket.on('error', () => notify?.());
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const nextReply = async (): Promise<string> => {
    while (replies.length === 0) {
      if (socket.destroyed) throw new Error('connection closed without a reply');
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
    }
    return replies.shift()!;
  };
  expect(await nextReply()).toMatch(/^220 /);
  for (const [command, code] of [
    ['EHLO client.test', '250'],
    [`MAIL FROM:<big@${SILENT}>`, '250'],
    [`RCPT TO:<frontdesk@${DOMAIN}>`, '250'],
    ['DATA', '354'],
  ] as const) {
    socket.write(`${command}\r\n`);
    expect(await nextReply()).toMatch(new RegExp(`^${code} `));
  }
  const line = `${'y'.repeat(998)}\r\n`;
  const chunk = Buffer.from(`From: big@${SILENT}\r\nSubject: big\r\n\r\n${line.repeat(64)}`.slice(0, 64_000));
  let written = 0;
  let writtenAtReply = -1;
  while (written < total && replies.length === 0 && !socket.destroyed && !closedByServer) {
    written += chunk.length;
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        notify = resolve;
        socket.once('drain', resolve);
      });
    }
  }
  if (replies.length > 0 || closedByServer) writtenAtReply = written;
  else socket.write('\r\n.\r\n');
  const reply = await nextReply().catch(() => '');
  if (writtenAtReply < 0) writtenAtReply = written;
  socket.end();
  await closed;
  return { reply, writtenAtReply, closedByServer };
}
