import { createHash } from 'node:crypto';
import request from 'supertest';
import { remindUnreadSecureMessages } from '../../src/outbound/secure-link-reminders';
import { queryRows } from '../support/test-database';
import { eventually, PUBLIC_URL, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

// "Stored only as a hash": a secure link's token goes to the patient and nowhere else. The notice
// is kept with the token masked; the send makes the token and puts it only in the provider call.

// Retries wait out BullMQ's backoff (2 s and up): generous on a loaded machine.
jest.setTimeout(90_000);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const DOB = '1959-11-03';
const TOKEN_IN_LINK = new RegExp(
  `${PUBLIC_URL.replace(/\./g, '\\.')}/s/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`,
);
const MASKED_LINK = `${PUBLIC_URL}/s/${'*'.repeat(43)}`;

async function contactWithDob() {
  const api = await t.api();
  const phone = randomUsPhone();
  const res = await api.post('/contacts', { name: 'Ines Patient', phone, dateOfBirth: DOB }).expect(201);
  return { id: res.body.contact.id as string, phone };
}

async function sendLabResults(contactId: string) {
  const api = await t.api();
  const res = await api
    .post('/outbound', {
      to: { contactId },
      template: 'lab-results-available',
      variables: { clinicName: 'Riverside Clinic', testName: 'Lipid panel', resultSummary: 'LDL 99' },
    })
    .expect(202);
  return {
    messageId: res.body.message.id as string,
    conversationId: res.body.message.conversationId as string,
  };
}

const tokenOf = (body: unknown) => TOKEN_IN_LINK.exec(String(body))?.[1];

/** Every row of every table of the hub's database that holds `needle` anywhere, as text. */
async function rowsHolding(needle: string): Promise<string[]> {
  const tables = await queryRows<{ name: string }>(
    t.database.url,
    "select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'",
  );
  expect(tables.length).toBeGreaterThan(10);
  const found: string[] = [];
  for (const { name } of tables) {
    const rows = await queryRows(t.database.url, `select 1 from ${name} t where t::text like $1`, [
      `%${needle}%`,
    ]);
    if (rows.length > 0) found.push(name);
  }
  return found;
}

/** Opens the link as the patient would: the date of birth, then the content. */
function open(token: string) {
  return request(t.hub.url).post(`/s/${token}`).type('form').send({ dob: DOB });
}

test('the SMS carries a working link; the staff API and every table hold only its hash and a masked copy', async () => {
  const contact = await contactWithDob();
  const { messageId, conversationId } = await sendLabResults(contact.id);
  const sms = await eventually(async () => t.twilio.messages.find((m) => m.params.To === contact.phone));
  const token = tokenOf(sms.params.Body);
  expect(token).toBeDefined();

  const opened = await open(token!).expect(200);
  expect(opened.text).toContain('LDL 99');

  const api = await t.api();
  const detail = await api.get(`/conversations/${conversationId}`).expect(200);
  const json = JSON.stringify(detail.body);
  expect(json).not.toContain(token);
  const notice = (detail.body.conversation.messages as { id: string; body: string }[]).find(
    (m) => m.id === messageId,
  );
  expect(notice?.body).toBe(`You have a new secure message from Riverside Clinic: ${MASKED_LINK}`);
  const list = await api.get('/conversations?sort=activity&status=all').expect(200);
  expect(JSON.stringify(list.body)).not.toContain(token);

  // The scan can find things: the link's hash is there, the token is not.
  const hash = createHash('sha256').update(token!).digest('hex');
  expect(await rowsHolding(hash)).toEqual(['public.secure_links']);
  expect(await rowsHolding(token!)).toEqual([]);
});

test('a send retried after a provider error gets a new token, and the one before opens nothing', async () => {
  const contact = await contactWithDob();
  t.twilio.enqueueReplies({
    kind: 'error',
    status: 503,
    code: 20503,
    message: 'Service unavailable',
    to: contact.phone,
  });
  const refusedBefore = t.twilio.refusedMessages.length;
  await sendLabResults(contact.id);
  const sms = await eventually(
    async () => t.twilio.messages.find((m) => m.params.To === contact.phone),
    20_000,
  );
  const [failedAttempt] = t.twilio.refusedMessages.slice(refusedBefore);
  expect(failedAttempt?.params.To).toBe(contact.phone);
  const firstToken = tokenOf(failedAttempt!.params.Body);
  const secondToken = tokenOf(sms.params.Body);
  expect(firstToken).toBeDefined();
  expect(secondToken).toBeDefined();
  expect(secondToken).not.toBe(firstToken);

  await request(t.hub.url).get(`/s/${firstToken}`).expect(404);
  await open(secondToken!).expect(200);
  expect(await rowsHolding(secondToken!)).toEqual([]);
});

test('a notice Twilio accepted whose answer was lost is adopted, not sent again, and its link still opens', async () => {
  const leased = await startTestHub({ env: { OUTBOX_LEASE_SECONDS: '1', OUTBOX_SWEEP_SECONDS: '0.5' } });
  try {
    const api = await leased.api();
    const phone = randomUsPhone();
    const created = await api
      .post('/contacts', { name: 'Noor Patient', phone, dateOfBirth: DOB })
      .expect(201);
    leased.twilio.enqueueReplies({ kind: 'accept_then_drop', to: phone });
    const sent = await api
      .post('/outbound', {
        to: { contactId: created.body.contact.id },
        template: 'lab-results-available',
        variables: { clinicName: 'Riverside Clinic', testName: 'Lipid panel', resultSummary: 'LDL 77' },
      })
      .expect(202);
    const id = sent.body.message.id as string;
    // Twilio holds a copy with the token; ours has the mask: reconciliation must see they are one.
    const adopted = await eventually(async () => {
      const [row] = await queryRows<{ provider_message_id: string | null; status: string }>(
        leased.database.url,
        'select provider_message_id, status from messages where id = $1',
        [id],
      );
      return row?.provider_message_id ? row : null;
    }, 30_000);
    const copies = leased.twilio.messages.filter((m) => m.params.To === phone);
    expect(copies).toHaveLength(1);
    expect(adopted.provider_message_id).toBe(copies[0]!.sid);
    const token = tokenOf(copies[0]!.params.Body);
    expect(
      (await request(leased.hub.url).post(`/s/${token}`).type('form').send({ dob: DOB }).expect(200)).text,
    ).toContain('LDL 77');
  } finally {
    await leased.stop().catch(() => undefined);
  }
});

test('a notice whose link was locked before it could go is failed, not sent with a dead or live link', async () => {
  const contact = await contactWithDob();
  // The first attempt fails at the provider; the link is locked (five wrong dates of birth on
  // another copy, say) before the retry.
  t.twilio.enqueueReplies({
    kind: 'error',
    status: 503,
    code: 20503,
    message: 'Service unavailable',
    to: contact.phone,
  });
  const { messageId } = await sendLabResults(contact.id);
  await eventually(async () => {
    const [row] = await queryRows<{ error_code: string | null }>(
      t.database.url,
      'select error_code from messages where id = $1',
      [messageId],
    );
    return row?.error_code === 'twilio_20503';
  });
  await queryRows(t.database.url, 'update secure_links set locked_at = now() where contact_id = $1', [
    contact.id,
  ]);
  const failed = await eventually(async () => {
    const [row] = await queryRows<{ status: string; error_code: string | null }>(
      t.database.url,
      'select status, error_code from messages where id = $1',
      [messageId],
    );
    return row?.status === 'failed' ? row : null;
  }, 20_000);
  expect(failed.error_code).toBe('secure_link_unavailable');
  expect(t.twilio.messages.filter((m) => m.params.To === contact.phone)).toEqual([]);
});

test('a notice that failed for good, sent again by staff, carries a working link', async () => {
  const contact = await contactWithDob();
  t.twilio.enqueueReplies({
    kind: 'error',
    status: 400,
    code: 21610,
    message: 'Attempt to send to unsubscribed recipient',
    to: contact.phone,
  });
  const { messageId } = await sendLabResults(contact.id);
  await eventually(async () => {
    const [row] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [messageId],
    );
    return row?.status === 'failed';
  });
  const api = await t.api();
  const retried = await api.post(`/messages/${messageId}/retry`, {}).expect(202);
  expect(retried.body.message.body).toBe(
    `You have a new secure message from Riverside Clinic: ${MASKED_LINK}`,
  );
  const sms = await eventually(async () => t.twilio.messages.find((m) => m.params.To === contact.phone));
  const token = tokenOf(sms.params.Body);
  expect(token).toBeDefined();
  expect((await open(token!).expect(200)).text).toContain('LDL 99');
  expect(await rowsHolding(token!)).toEqual([]);
});

test('the unread reminder carries its own working link, also kept only as a hash', async () => {
  const contact = await contactWithDob();
  await sendLabResults(contact.id);
  await eventually(async () => t.twilio.messages.find((m) => m.params.To === contact.phone));
  await queryRows(
    t.database.url,
    "update secure_links set created_at = now() - interval '25 hours' where contact_id = $1",
    [contact.id],
  );
  const silent = { warn: () => undefined } as unknown as Parameters<typeof remindUnreadSecureMessages>[1];
  expect(await remindUnreadSecureMessages(t.hub.outbound, silent)).toBeGreaterThanOrEqual(1);
  const notices = await eventually(async () => {
    const sent = t.twilio.messages.filter((m) => m.params.To === contact.phone);
    return sent.length === 2 ? sent : null;
  });
  const reminderToken = tokenOf(notices[1]!.params.Body);
  expect(reminderToken).toBeDefined();
  expect((await open(reminderToken!).expect(200)).text).toContain('LDL 99');
  expect(await rowsHolding(reminderToken!)).toEqual([]);
});
