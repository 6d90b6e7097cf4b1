import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { newId } from '../../src/platform/db/ids';
import { contactIdentities, contacts, conversations, messages } from '../../src/platform/db/schema';
import { createApp } from '../../src/platform/http/app';
import { secureLinkRouter } from '../../src/securelinks/secure-link-routes';
import { issueSecureLink, SecureLinkRefused } from '../../src/securelinks/secure-link-store';
import { findLinksNeedingReminder, markReminderSent } from '../../src/securelinks/unread-reminder';
import { queryRows } from '../support/test-database';
import { PUBLIC_URL, randomUsPhone, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  // No workers: the triage job a reply enqueues stays in the queue, where the test can see it.
  t = await startTestHub({ runWorkers: false });
});
afterAll(async () => {
  await t.stop();
});

interface Patient {
  contactId: string;
  conversationId: string;
  messageIds: string[];
}

/** A contact with a date of birth, a phone, a conversation and the outbound messages a link will show. */
async function patient(dateOfBirth: string | null, bodies: string[]): Promise<Patient> {
  const { db } = t.hub.database;
  const orgId = t.hub.org.id;
  const contactId = newId();
  await db.insert(contacts).values({ id: contactId, orgId, displayName: 'Pat Example', dateOfBirth });
  await db
    .insert(contactIdentities)
    .values({ id: newId(), orgId, contactId, kind: 'phone', address: randomUsPhone() });
  const conversationId = newId();
  await db.insert(conversations).values({ id: conversationId, orgId, contactId, status: 'pending' });
  const messageIds: string[] = [];
  for (const body of bodies) {
    const id = newId();
    await db.insert(messages).values({
      id,
      orgId,
      conversationId,
      contactId,
      direction: 'outbound',
      channel: 'securelink',
      body,
      status: 'delivered',
      authorKind: 'staff',
      providerMessageId: `securelink:${id}`,
    });
    messageIds.push(id);
  }
  return { contactId, conversationId, messageIds };
}

async function linkFor(p: Patient) {
  return issueSecureLink(t.hub.database.db, {
    orgId: t.hub.org.id,
    contactId: p.contactId,
    conversationId: p.conversationId,
    messageIds: p.messageIds,
    publicUrl: PUBLIC_URL,
  });
}

const page = (token: string) => request(t.hub.url).get(`/s/${token}`);
const answer = (token: string, dob: string) =>
  request(t.hub.url).post(`/s/${token}`).type('form').send({ dob });

/** The session cookie's name=value from a response, and its attributes. */
function sessionCookie(res: request.Response): { pair: string; attributes: string } {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith('sl_session='));
  if (!cookie) throw new Error('no session cookie set');
  const [pair, ...attributes] = cookie.split(';');
  return { pair: pair!.trim(), attributes: attributes.join(';') };
}

const linkRow = async (id: string) =>
  (
    await queryRows<{
      failed_attempts: number;
      locked_at: Date | null;
      verified_at: Date | null;
      first_opened_at: Date | null;
      token_hash: string;
    }>(t.database.url, 'select * from secure_links where id = $1', [id])
  )[0]!;

const auditActions = async (linkId: string) =>
  (
    await queryRows<{ action: string }>(
      t.database.url,
      "select action from audit_log where subject_type = 'secure_link' and subject_id = $1 order by id",
      [linkId],
    )
  ).map((r) => r.action);

const DOB = '1980-04-23';
const LAB_RESULT = 'Your HbA1c is 6.1%.\nPlease book a follow-up within 3 months.';

describe('secure links', () => {
  test('issuing stores only the SHA-256 of a 43-character token and builds the public URL', async () => {
    const link = await linkFor(await patient(DOB, [LAB_RESULT]));
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.url).toBe(`${PUBLIC_URL}/s/${link.token}`);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    const row = await linkRow(link.id);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify(await queryRows(t.database.url, 'select * from secure_links'));
    expect(stored).not.toContain(link.token);
  });

  test('issuing refuses a contact without a date of birth and messages of another contact', async () => {
    const noDob = await patient(null, ['x']);
    await expect(linkFor(noDob)).rejects.toMatchObject({ code: 'no_date_of_birth' });
    const a = await patient(DOB, ['a']);
    const b = await patient(DOB, ['b']);
    await expect(linkFor({ ...a, messageIds: b.messageIds })).rejects.toBeInstanceOf(SecureLinkRefused);
    await expect(linkFor({ ...a, conversationId: b.conversationId })).rejects.toMatchObject({
      code: 'conversation_mismatch',
    });
  });

  test('the page asks for the date of birth only, shows no content, and is served with strict headers', async () => {
    const p = await patient(DOB, [LAB_RESULT]);
    const link = await linkFor(p);
    const res = await page(link.token).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'",
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('name="dob"');
    expect(res.text.match(/<input /g)).toHaveLength(1);
    expect(res.text).not.toContain('HbA1c');
    expect(res.text).not.toContain('Pat Example');
    expect(res.text).not.toContain(DOB);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await linkRow(link.id)).first_opened_at).not.toBeNull();
    expect((await linkRow(link.id)).verified_at).toBeNull();
    expect(await auditActions(link.id)).toEqual(['securelink.opened']);
  });

  test('a date in the wrong shape is a 400 and does not count as an attempt', async () => {
    const link = await linkFor(await patient(DOB, [LAB_RESULT]));
    for (const dob of ['23/04/1980', '1980-02-30', '']) {
      const res = await answer(link.token, dob).expect(400);
      expect(res.text).toContain('YYYY-MM-DD');
    }
    expect((await linkRow(link.id)).failed_attempts).toBe(0);
  });

  test('five wrong dates lock the link: 423 locked page, even for the right date afterwards', async () => {
    const p = await patient(DOB, [LAB_RESULT]);
    const link = await linkFor(p);
    for (let i = 1; i <= 4; i += 1) {
      const res = await answer(link.token, '1980-04-24').expect(403);
      expect(res.text).toContain('does not match');
      expect(res.text).not.toContain('HbA1c');
    }
    const locked = await answer(link.token, '1980-04-25').expect(423);
    expect(locked.text).toContain('locked');
    expect(locked.text).toContain(`please contact ${t.hub.org.name}`);
    expect(locked.text).not.toContain('HbA1c');
    const right = await answer(link.token, DOB).expect(423);
    expect(right.text).not.toContain('HbA1c');
    expect(right.headers['set-cookie']).toBeUndefined();
    await page(link.token).expect(423);

    const row = await linkRow(link.id);
    expect(row.failed_attempts).toBe(5);
    expect(row.locked_at).not.toBeNull();
    expect(row.verified_at).toBeNull();
    const [message] = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = $1',
      [p.messageIds[0]],
    );
    expect(message!.status).toBe('delivered');
    const actions = await auditActions(link.id);
    // Five wrong answers, and the right one that came too late.
    expect(actions.filter((a) => a === 'securelink.failed')).toHaveLength(5 + 1);
    expect(actions.filter((a) => a === 'securelink.locked')).toHaveLength(1);
    expect(actions).not.toContain('securelink.verified');
  });

  test('parallel wrong guesses cannot get past the limit', async () => {
    const link = await linkFor(await patient(DOB, [LAB_RESULT]));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => answer(link.token, `1990-01-${String(i + 1).padStart(2, '0')}`)),
    );
    expect(results.filter((r) => r.status === 403)).toHaveLength(4);
    expect(results.filter((r) => r.status === 423)).toHaveLength(8);
    expect((await linkRow(link.id)).failed_attempts).toBe(5);
  });

  test('the right date shows the content, marks it read and opens a 15-minute session for reloads', async () => {
    const p = await patient(DOB, ['First: your results are in.', LAB_RESULT]);
    const link = await linkFor(p);
    await answer(link.token, '1980-01-01').expect(403);
    const res = await answer(link.token, DOB).expect(200);
    expect(res.text).toContain('Your HbA1c is 6.1%.\nPlease book a follow-up within 3 months.');
    expect(res.text.indexOf('First: your results')).toBeLessThan(res.text.indexOf('HbA1c'));
    expect(res.text).toContain(`action="/s/${link.token}/reply"`);
    expect(res.headers['cache-control']).toBe('no-store');

    const cookie = sessionCookie(res);
    expect(cookie.attributes).toMatch(/Max-Age=900/);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Secure/);
    expect(cookie.attributes).toContain(`Path=/s/${link.token}`);
    expect(cookie.pair).not.toContain(link.token);

    const row = await linkRow(link.id);
    expect(row.verified_at).not.toBeNull();
    expect(row.first_opened_at).not.toBeNull();
    const statuses = await queryRows<{ status: string }>(
      t.database.url,
      'select status from messages where id = any($1::uuid[])',
      [p.messageIds],
    );
    expect(statuses.map((s) => s.status)).toEqual(['read', 'read']);

    const reload = await page(link.token).set('Cookie', cookie.pair).expect(200);
    expect(reload.text).toContain('HbA1c');
    const noCookie = await page(link.token).expect(200);
    expect(noCookie.text).not.toContain('HbA1c');
    expect(noCookie.text).toContain('name="dob"');

    // The cookie opens its own link only.
    const other = await linkFor(await patient(DOB, ['Other patient result']));
    const foreign = await page(other.token).set('Cookie', cookie.pair).expect(200);
    expect(foreign.text).not.toContain('Other patient result');
    const tampered = cookie.pair.replace(/\.(\d+)\./, (_m, ms) => `.${Number(ms) + 3_600_000}.`);
    expect((await page(link.token).set('Cookie', tampered).expect(200)).text).not.toContain('HbA1c');

    const actions = await auditActions(link.id);
    expect(actions).toEqual([
      'securelink.failed',
      'securelink.verified',
      'securelink.opened',
      'securelink.opened',
      'securelink.opened',
    ]);
    const audit = JSON.stringify(
      await queryRows(t.database.url, 'select * from audit_log where subject_id = $1', [link.id]),
    );
    expect(audit).not.toContain(link.token);
    expect(audit).not.toContain(DOB);
    expect(audit).not.toContain('HbA1c');
  });

  test('HTML in a message body is shown as text', async () => {
    const p = await patient(DOB, ['<script>alert("x")</script><b>bold</b> & more']);
    const link = await linkFor(p);
    const res = await answer(link.token, DOB).expect(200);
    expect(res.text).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; more',
    );
    expect(res.text).not.toContain('<script');
    expect(res.text).not.toContain('<b>');
  });

  test('expired, unknown and malformed tokens get one and the same page: 410, 404, 404', async () => {
    const link = await linkFor(await patient(DOB, [LAB_RESULT]));
    await queryRows(
      t.database.url,
      "update secure_links set expires_at = now() - interval '1 minute' where id = $1",
      [link.id],
    );
    const expired = await page(link.token).expect(410);
    const unknown = await page('A'.repeat(43)).expect(404);
    expect(expired.text).toBe(unknown.text);
    expect(expired.text).not.toContain('HbA1c');
    expect(expired.text).not.toMatch(/expired on|unknown/i);
    await answer(link.token, DOB).expect(410);
    expect((await linkRow(link.id)).verified_at).toBeNull();

    for (const bad of [
      link.token.slice(0, 42),
      `${link.token}A`,
      `${link.token.slice(0, 42)}.`,
      '%3Cscript%3E',
    ]) {
      const res = await page(bad).expect(404);
      expect(res.text).toBe(unknown.text);
      expect(res.headers['content-security-policy']).toBeDefined();
    }
    await answer('A'.repeat(43), DOB).expect(404);
  });

  test("a token opens with its own contact's date of birth only", async () => {
    const a = await patient('1975-06-01', ['For patient A only']);
    const b = await patient('1990-12-31', ['For patient B only']);
    const linkA = await linkFor(a);
    await linkFor(b);
    const res = await answer(linkA.token, '1990-12-31').expect(403);
    expect(res.text).not.toContain('patient');
    expect(res.text).not.toContain('For patient');
    expect((await linkRow(linkA.id)).failed_attempts).toBe(1);
    const ok = await answer(linkA.token, '1975-06-01').expect(200);
    expect(ok.text).toContain('For patient A only');
    expect(ok.text).not.toContain('For patient B only');
  });

  test('a reply from the page lands as an inbound message in the same conversation, once per submission', async () => {
    const p = await patient(DOB, [LAB_RESULT]);
    const link = await linkFor(p);
    const verified = await answer(link.token, DOB).expect(200);
    const cookie = sessionCookie(verified).pair;
    const submission = /name="submission" value="([^"]+)"/.exec(verified.text)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(verified.text)![1]!;
    // Origin: null is what a browser may send for privacy's sake; the page's token decides.
    const reply = () =>
      request(t.hub.url)
        .post(`/s/${link.token}/reply`)
        .set('Cookie', cookie)
        .set('Origin', 'null')
        .type('form')
        .send({ body: 'Thanks. Can I book for <Tuesday>?\nMorning if possible.', submission, csrf });
    const res = await reply().expect(200);
    expect(res.text).toContain('Your reply was sent');
    await reply().expect(200);

    const rows = await queryRows<{
      id: string;
      conversation_id: string;
      contact_id: string;
      direction: string;
      channel: string;
      author_kind: string;
      status: string;
      body: string;
      provider_message_id: string;
    }>(t.database.url, "select * from messages where conversation_id = $1 and direction = 'inbound'", [
      p.conversationId,
    ]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      contact_id: p.contactId,
      channel: 'securelink',
      author_kind: 'patient',
      status: 'received',
      body: 'Thanks. Can I book for <Tuesday>?\nMorning if possible.',
      provider_message_id: `securelink:reply:${submission}`,
    });
    const [conversation] = await queryRows<{ last_message_id: string; status: string }>(
      t.database.url,
      'select last_message_id, status from conversations where id = $1',
      [p.conversationId],
    );
    expect(conversation).toEqual({ last_message_id: row!.id, status: 'open' });
    expect(await t.hub.triageQueue.queue.getJob(row!.id)).toBeDefined();
    expect((await auditActions(link.id)).filter((a) => a === 'securelink.reply')).toHaveLength(1);

    // Staff see it in the conversation through the API.
    const detail = await request(t.hub.url)
      .get(`/api/v1/conversations/${p.conversationId}`)
      .set('Authorization', `Bearer ${await t.staffToken()}`)
      .expect(200);
    expect(detail.body.conversation.messages.map((m: { channel: string }) => m.channel)).toContain(
      'securelink',
    );
  });

  test('a reply without the session cookie, or from another origin, is refused and stores nothing', async () => {
    const p = await patient(DOB, [LAB_RESULT]);
    const link = await linkFor(p);
    const opened = await answer(link.token, DOB).expect(200);
    const cookie = sessionCookie(opened).pair;
    const csrf = /name="csrf" value="([^"]+)"/.exec(opened.text)![1]!;
    const noCookie = await request(t.hub.url)
      .post(`/s/${link.token}/reply`)
      .type('form')
      .send({ body: 'no session', csrf })
      .expect(403);
    expect(noCookie.text).not.toContain('HbA1c');
    // The refusal asks for the date of birth again, and that form goes to the link, not to /reply.
    expect(noCookie.text).toContain(`action="/s/${link.token}"`);
    await request(t.hub.url)
      .post(`/s/${link.token}/reply`)
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ body: 'cross-site', csrf })
      .expect(403);
    // The cookie without the page's token: a post the page did not make.
    // The last character changed (to one it is not: a token ending in "A" once made this the real token).
    const altered = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [undefined, '', csrf.slice(1), altered]) {
      await request(t.hub.url)
        .post(`/s/${link.token}/reply`)
        .set('Cookie', cookie)
        .type('form')
        .send({ body: 'forged', ...(token === undefined ? {} : { csrf: token }) })
        .expect(403);
    }
    // Another link's session token does not open this one.
    const other = await answer((await linkFor(await patient(DOB, ['other']))).token, DOB).expect(200);
    await request(t.hub.url)
      .post(`/s/${link.token}/reply`)
      .set('Cookie', cookie)
      .type('form')
      .send({ body: 'borrowed', csrf: /name="csrf" value="([^"]+)"/.exec(other.text)![1]! })
      .expect(403);
    const tooLong = await request(t.hub.url)
      .post(`/s/${link.token}/reply`)
      .set('Cookie', cookie)
      .type('form')
      .send({ body: 'x'.repeat(2001), csrf })
      .expect(400);
    expect(tooLong.text).toContain('2000');
    const inbound = await queryRows(
      t.database.url,
      "select 1 from messages where conversation_id = $1 and direction = 'inbound'",
      [p.conversationId],
    );
    expect(inbound).toHaveLength(0);
  });

  test('unread reminders: links older than 24 h, unread, unlocked, unexpired and not yet reminded', async () => {
    const due = await linkFor(await patient(DOB, ['due']));
    const fresh = await linkFor(await patient(DOB, ['fresh']));
    const read = await linkFor(await patient(DOB, ['read']));
    await answer(read.token, DOB).expect(200);
    await queryRows(
      t.database.url,
      "update secure_links set created_at = now() - interval '25 hours' where id = any($1::uuid[])",
      [[due.id, read.id]],
    );
    const ids = (await findLinksNeedingReminder(t.hub.database.db, new Date())).map((l) => l.id);
    expect(ids).toContain(due.id);
    expect(ids).not.toContain(fresh.id);
    expect(ids).not.toContain(read.id);
    expect(await markReminderSent(t.hub.database.db, due.id)).toBe(true);
    expect(await markReminderSent(t.hub.database.db, due.id)).toBe(false);
    expect((await findLinksNeedingReminder(t.hub.database.db, new Date())).map((l) => l.id)).not.toContain(
      due.id,
    );
  });

  test('the access log never holds the token, the date of birth or the content', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const app = createApp({
      logger,
      routers: [
        secureLinkRouter({
          db: t.hub.database.db,
          publicUrl: PUBLIC_URL,
          clinic: { name: 'Riverside Clinic', phone: '+1 415 555 0100' },
          logger,
          cookieSecret: 'log-test-secret',
        }),
      ],
    });
    const link = await linkFor(await patient(DOB, [LAB_RESULT]));
    await request(app).get(`/s/${link.token}`).expect(200);
    for (let i = 0; i < 5; i += 1)
      await request(app).post(`/s/${link.token}`).type('form').send({ dob: '1999-09-09' });
    const locked = await request(app).post(`/s/${link.token}`).type('form').send({ dob: DOB }).expect(423);
    expect(locked.text).toContain('href="tel:+14155550100"');
    const log = lines.join('');
    expect(log).toContain('/s/:token');
    expect(log).toContain('secure link locked');
    expect(log).not.toContain(link.token);
    expect(log).not.toContain('1999-09-09');
    expect(log).not.toContain('HbA1c');
  });
});
