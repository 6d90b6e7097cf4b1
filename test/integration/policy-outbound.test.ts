import request from 'supertest';
import { remindUnreadSecureMessages } from '../../src/outbound/secure-link-reminders';
import { queryRows } from '../support/test-database';
import { eventually, middayTimeZone, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

const api = () => t.api();

async function newContact(fields: Record<string, unknown> = {}) {
  const client = await api();
  const phone = randomUsPhone();
  const res = await client
    .post('/contacts', { name: 'Pat', phone, dateOfBirth: '1970-05-17', ...fields })
    .expect(201);
  return { id: res.body.contact.id as string, phone };
}

const labResults = (contactId: string) => ({
  to: { contactId },
  template: 'lab-results-available',
  variables: {
    clinicName: 'Riverside Clinic',
    testName: 'Lipid panel',
    resultSummary: 'LDL 190 mg/dL, high; please start the diet plan',
  },
});

/** A time zone where it is now about 3 a.m., so automated sends are deferred. */
function nightTimeZone(): string {
  const midday = middayTimeZone();
  const match = /^Etc\/GMT([+-])(\d+)$/.exec(midday);
  const offset = match ? (match[1] === '-' ? 1 : -1) * Number(match[2]) : 0;
  let night = offset + 15;
  if (night > 14) night -= 24;
  return night === 0 ? 'Etc/GMT' : `Etc/GMT${night > 0 ? '-' : '+'}${Math.abs(night)}`;
}

describe('PHI never leaves on a channel that may not carry it', () => {
  test('a phi template to an SMS-only contact sends an SMS notice with a /s/ link and none of the PHI; the link opens it', async () => {
    const client = await api();
    const contact = await newContact();
    const res = await client.post('/outbound', labResults(contact.id)).expect(202);
    expect(res.body.message).toMatchObject({ channel: 'sms', securedVia: 'securelink' });
    expect(res.body.decision.reasons.join(' ')).toMatch(/secure link/i);

    const sent = await eventually(async () => t.twilio.messages.find((m) => m.params.To === contact.phone));
    const smsBody = String(sent.params.Body);
    expect(smsBody).toMatch(/secure message from Riverside Clinic/);
    expect(smsBody).not.toMatch(/Lipid|LDL|190|diet/);
    const link = /https:\/\/hub\.clinic\.test(\/s\/[A-Za-z0-9_-]+)/.exec(smsBody);
    expect(link).not.toBeNull();

    const path = link![1]!;
    const page = await request(t.hub.url).get(path).expect(200);
    expect(page.text).not.toMatch(/Lipid|LDL/);
    const opened = await request(t.hub.url).post(path).type('form').send({ dob: '1970-05-17' }).expect(200);
    expect(opened.text).toMatch(/LDL 190 mg\/dL/);

    const stored = await queryRows<{ channel: string; body: string; policy: { securedVia: string } }>(
      t.database.url,
      "select channel, body, policy from messages where contact_id = $1 and direction = 'outbound' order by created_at",
      [contact.id],
    );
    expect(stored.map((m) => m.channel)).toEqual(['securelink', 'sms']);
    expect(stored[1]!.body).not.toMatch(/LDL/);
    expect(stored[1]!.policy.securedVia).toBe('securelink');
  });

  test('free text from staff counts as PHI unless marked: it goes behind a link; marked limited it goes plain', async () => {
    const client = await api();
    const contact = await newContact();
    await t.postInboundSms({ From: contact.phone, Body: 'any news on my biopsy?' }).expect(200);
    const [row] = await queryRows<{ conversation_id: string }>(
      t.database.url,
      'select conversation_id from messages where from_address = $1',
      [contact.phone],
    );
    const secured = await client
      .post(`/conversations/${row!.conversation_id}/messages`, { body: 'The biopsy was benign.' })
      .expect(202);
    expect(secured.body.message.securedVia).toBe('securelink');
    const plain = await client
      .post(`/conversations/${row!.conversation_id}/messages`, {
        body: 'Please call us back.',
        sensitivity: 'limited',
      })
      .expect(202);
    expect(plain.body.message.securedVia).toBeNull();
    await eventually(async () => t.twilio.messages.filter((m) => m.params.To === contact.phone).length === 2);
    const bodies = t.twilio.messages
      .filter((m) => m.params.To === contact.phone)
      .map((m) => String(m.params.Body));
    expect(bodies.some((b) => b.includes('benign'))).toBe(false);
    expect(bodies).toContain('Please call us back.');
  });

  test('PHI to a contact with no date of birth cannot be secured: 422 no_channel_allowed, nothing written', async () => {
    const client = await api();
    const contact = await newContact({ dateOfBirth: null });
    const res = await client.post('/outbound', labResults(contact.id)).expect(422);
    expect(res.body.error.code).toBe('no_channel_allowed');
    expect(
      await queryRows(t.database.url, 'select 1 from messages where contact_id = $1', [contact.id]),
    ).toEqual([]);
  });

  test('a patient who accepted unencrypted PHI by email after a warning gets it by email... only if the hub has email', async () => {
    // This hub runs SMS only, so the acceptance on email changes nothing: still a secure link on SMS.
    const client = await api();
    const contact = await newContact({ email: 'pat@example.org' });
    await client
      .post(`/contacts/${contact.id}/consents`, {
        channel: 'email',
        purpose: 'unencrypted_phi',
        status: 'opted_in',
        warningText: 'Email is not encrypted.',
      })
      .expect(201);
    const check = await client.post('/policy/check', labResults(contact.id)).expect(200);
    expect(check.body.decision).toMatchObject({ allowed: true, channel: 'sms', securedVia: 'securelink' });
  });
});

describe('consent, quiet hours and bad input', () => {
  test('after STOP: /policy/check says blocked with reasons, /outbound answers 422 consent_opted_out, nothing enqueued', async () => {
    const client = await api();
    const contact = await newContact();
    await t.postInboundSms({ From: contact.phone, Body: 'STOP' }).expect(200);
    const reminder = {
      to: { contactId: contact.id },
      template: 'refill-ready',
      variables: { clinicName: 'Riverside Clinic', pickupLocation: 'Main St Pharmacy' },
    };
    const check = await client.post('/policy/check', reminder).expect(200);
    expect(check.body.decision).toMatchObject({ allowed: false, code: 'consent_opted_out' });
    expect(check.body.decision.reasons.join(' ')).toMatch(/opted out of SMS/);
    const before = await queryRows(
      t.database.url,
      "select 1 from messages where contact_id = $1 and direction = 'outbound'",
      [contact.id],
    );
    const res = await client.post('/outbound', reminder).expect(422);
    expect(res.body.error.code).toBe('consent_opted_out');
    const after = await queryRows(
      t.database.url,
      "select 1 from messages where contact_id = $1 and direction = 'outbound'",
      [contact.id],
    );
    expect(after).toHaveLength(before.length);
    // The reminder's check and refused send; the STOP's own confirmation was decided (and audited) before.
    const audits = await queryRows(
      t.database.url,
      `select action from audit_log where subject_id = $1 and action like 'policy.%'
        and detail->>'template' = 'refill-ready' order by id`,
      [contact.id],
    );
    expect(audits.map((a) => a.action)).toEqual(['policy.check', 'policy.decision']);
  });

  test('an automated message at night in the patient’s time zone is deferred to 08:00 there, not dropped, not sent', async () => {
    const client = await api();
    const zone = nightTimeZone();
    const contact = await newContact({ timeZone: zone });
    const res = await client
      .post('/outbound', {
        to: { contactId: contact.id },
        body: 'Flu shots are in.',
        sensitivity: 'public',
        purpose: 'care',
      })
      .expect(202);
    const scheduledFor = new Date(res.body.message.scheduledFor);
    expect(scheduledFor.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(scheduledFor);
    expect(local).toBe('08:00');
    await new Promise((r) => setTimeout(r, 500));
    expect(t.twilio.messages.filter((m) => m.params.To === contact.phone).map((m) => m.params.Body)).toEqual(
      [],
    );
    const [row] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [res.body.message.id],
    );
    expect(row!.status).toBe('pending');
    // Urgent is not deferred.
    const urgent = await client
      .post('/outbound', {
        to: { contactId: contact.id },
        body: 'Clinic closed today: snow.',
        sensitivity: 'public',
        purpose: 'administrative',
        urgent: true,
      })
      .expect(202);
    expect(urgent.body.message.scheduledFor).toBeNull();
  });

  test.each([
    [{ template: 'no-such-template', variables: {} }, 422, 'template_not_found'],
    [{ template: 'lab-results-available', variables: { clinicName: 'X' } }, 422, 'template_variable_missing'],
    [
      { template: 'secure-message-notice', variables: { clinicName: 'X', link: 'javascript:alert(1)' } },
      422,
      'template_variable_invalid',
    ],
  ])('%p -> %i %s, nothing sent', async (content, status, code) => {
    const client = await api();
    const contact = await newContact();
    const res = await client.post('/outbound', { to: { contactId: contact.id }, ...content }).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(
      await queryRows(t.database.url, 'select 1 from messages where contact_id = $1', [contact.id]),
    ).toEqual([]);
  });

  test('an invalid phone in `to`: 400; a phone the hub does not know yet gets a new contact', async () => {
    const client = await api();
    const bad = await client
      .post('/outbound', { to: { phone: '12' }, body: 'x', sensitivity: 'public' })
      .expect(400);
    expect(bad.body.error.message).toContain('to.phone');
    const phone = randomUsPhone();
    const ok = await client
      .post('/outbound', {
        to: { phone },
        template: 'recall-outreach',
        variables: { clinicName: 'Riverside', link: 'https://clinic.example/book' },
      })
      .expect(422);
    // Marketing needs an explicit opt-in: a number we were just given has none.
    expect(ok.body.error.code).toBe('marketing_requires_opt_in');
  });
});

test('a secure message unread for a day gets one reminder with a fresh link, policy-checked; never a second', async () => {
  const client = await api();
  const contact = await newContact();
  await client.post('/outbound', labResults(contact.id)).expect(202);
  await eventually(async () => t.twilio.messages.some((m) => m.params.To === contact.phone));
  await queryRows(
    t.database.url,
    "update secure_links set created_at = now() - interval '25 hours' where contact_id = $1",
    [contact.id],
  );
  const silent = { warn: () => undefined } as unknown as Parameters<typeof remindUnreadSecureMessages>[1];
  expect(await remindUnreadSecureMessages(t.hub.outbound, silent)).toBe(1);
  expect(await remindUnreadSecureMessages(t.hub.outbound, silent)).toBe(0);
  const notices = await eventually(async () => {
    const sent = t.twilio.messages.filter((m) => m.params.To === contact.phone);
    return sent.length === 2 ? sent : null;
  });
  const links = notices.map((m) => /\/s\/([A-Za-z0-9_-]+)/.exec(String(m.params.Body))?.[1]);
  expect(links[0]).toBeDefined();
  expect(links[1]).toBeDefined();
  expect(links[1]).not.toBe(links[0]);
  expect(notices[1]!.params.Body).not.toMatch(/LDL|Lipid/);
});

describe('POST /policy/check with a conversationId previews the staff reply', () => {
  async function conversationOf(phone: string) {
    await t.postInboundSms({ From: phone, Body: 'hello, question about my visit' }).expect(200);
    return eventually(async () => {
      const [row] = await queryRows<{ conversation_id: string }>(
        t.database.url,
        "select conversation_id from messages where from_address = $1 and direction = 'inbound'",
        [phone],
      );
      return row?.conversation_id;
    });
  }

  test('decided as a staff reply (never deferred), like the real send; without it, as an automated message', async () => {
    const client = await api();
    const contact = await newContact({ timeZone: nightTimeZone() });
    const conversationId = await conversationOf(contact.phone);
    const content = { body: 'We can see you on Monday.', sensitivity: 'limited' };

    const automated = await client
      .post('/policy/check', { to: { contactId: contact.id }, ...content })
      .expect(200);
    expect(automated.body.decision).toMatchObject({ allowed: true, channel: 'sms' });
    expect(automated.body.decision.scheduledFor).not.toBeNull();

    // What the inbox composer sends: the contact, the conversation, and a channel it does not decide.
    const preview = await client
      .post('/policy/check', { to: { contactId: contact.id }, conversationId, channel: 'email', ...content })
      .expect(200);
    expect(preview.body.decision).toMatchObject({ allowed: true, channel: 'sms', scheduledFor: null });
    expect(preview.body.decision.reasons.join(' ')).toMatch(/staff replies are never deferred/);
    const sent = await client.post(`/conversations/${conversationId}/messages`, content).expect(202);
    expect(sent.body.decision).toEqual(preview.body.decision);
    const [audit] = await queryRows<{ detail: { initiator: string } }>(
      t.database.url,
      "select detail from audit_log where action = 'policy.check' and subject_id = $1 order by id desc limit 1",
      [contact.id],
    );
    expect(audit!.detail.initiator).toBe('staff_reply');
  });

  test('a refused staff reply is previewed with the same code and reasons; an unknown conversation is 404', async () => {
    const client = await api();
    const contact = await newContact({ email: 'pinned@example.org' });
    const conversationId = await conversationOf(contact.phone);
    await t.postInboundSms({ From: contact.phone, Body: 'STOP' }).expect(200);
    const content = { body: 'Please call us back.', sensitivity: 'limited' };
    const preview = await client.post('/policy/check', { conversationId, ...content }).expect(200);
    expect(preview.body.decision).toMatchObject({ allowed: false, code: 'consent_opted_out' });
    expect(preview.body.decision.reasons.at(-1)).toMatch(/staff reply stays on SMS/);
    const refused = await client.post(`/conversations/${conversationId}/messages`, content).expect(422);
    expect(refused.body.error.code).toBe('consent_opted_out');
    expect(refused.body.error.details.reasons).toEqual(preview.body.decision.reasons);

    const missing = await client
      .post('/policy/check', { conversationId: '00000000-0000-4000-8000-000000000000', ...content })
      .expect(404);
    expect(missing.body.error.code).toBe('conversation_not_found');
  });
});
