import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import request from 'supertest';
import { execCampaignPlanJob } from '../../src/campaigns/campaign-planner';
import { initCampaignSendQueue } from '../../src/campaigns/campaign-send-worker';
import { SenderThrottle } from '../../src/campaigns/sender-throttle';
import { signedInStaff } from '../support/staff-accounts';
import { queryRows } from '../support/test-database';
import {
  CLINIC_NUMBER,
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
  testRedisUrl,
} from '../support/test-hub';

jest.setTimeout(90_000);

// Four a second: enough sends in the test to cross several one-second windows.
const RATE = 4;
const MAX_IMPORT_BYTES = 20_000;

let t: TestHub;
let admin: StaffApi;
let manager: StaffApi;
let agent: StaffApi;
let agentToken: string;

const tokenFor = (email: string, role: 'agent' | 'manager') =>
  signedInStaff(t, { email, name: email, role, password: 'a-long-enough-password', queues: ['front-desk'] });

beforeAll(async () => {
  t = await startTestHub({
    env: { CAMPAIGN_SEND_RATE: String(RATE), CONTACT_IMPORT_MAX_BYTES: String(MAX_IMPORT_BYTES) },
  });
  admin = await t.api();
  adminToken = await t.staffToken();
  manager = (await tokenFor('manager@clinic.test', 'manager')).api;
  ({ api: agent, token: agentToken } = await tokenFor('agent@clinic.test', 'agent'));
});
afterAll(async () => {
  await t.stop();
});

const bearer = async () => ({ Authorization: `Bearer ${await t.staffToken()}` });

let adminToken: string;
function importCsv(body: string | Buffer, contentType = 'text/csv', query = '') {
  return request(t.hub.url)
    .post(`/api/v1/contacts/imports${query}`)
    .set('Authorization', `Bearer ${adminToken}`)
    .set('Content-Type', contentType)
    .send(body);
}

async function finishedImport(id: string) {
  return eventually(async () => {
    const res = await admin.get(`/contacts/imports/${id}`).expect(200);
    return res.body.status !== 'running' ? res.body : undefined;
  });
}

const contactByExternalId = async (externalId: string) =>
  (
    await queryRows<{ id: string; display_name: string | null; language: string | null; tags: string[] }>(
      t.database.url,
      `select id, display_name, language, tags from contacts where external_id = $1`,
      [externalId],
    )
  )[0];

const zone = middayTimeZone();
const seniorBirth = '1950-03-04';
const youngBirth = '1990-03-04';

describe('contact imports', () => {
  test('good rows land, bad rows are rejected with a downloadable report, and a re-import updates only what it gives', async () => {
    const phones = [randomUsPhone(), randomUsPhone(), randomUsPhone()];
    const csv = [
      'externalId,name,phone,dateOfBirth,language,timeZone,tags,insurer',
      `IMP-1,Ana,${phones[0]},${seniorBirth},en,${zone},flu;senior,Acme`,
      `IMP-2,Bo,${phones[1]},${youngBirth},es,${zone},flu,`,
      'IMP-3,Cy,12,1950-01-01,en,,,', // a bad phone: this row only
      `IMP-4,Di,${phones[2]},1950-13-01,en,,,`, // a bad date
      `IMP-5,"Broken "quote",${randomUsPhone()},,,,,`, // broken quoting: that record only
    ].join('\r\n');
    // A UTF-8 byte order mark, as Excel writes one.
    const res = await importCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)])).expect(
      202,
    );
    const report = await finishedImport(res.body.id);
    expect(report).toMatchObject({ status: 'completed', total: 5, created: 2, updated: 0, rejected: 3 });

    const errors = await request(t.hub.url)
      .get(report.errorsUrl)
      .set(await bearer())
      .expect(200);
    expect(errors.headers['content-type']).toMatch(/text\/csv/);
    const lines = errors.text.trim().split('\n');
    expect(lines[0]).toBe('line,column,code,message');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[2])
        .sort(),
    ).toEqual(['invalid_date_of_birth', 'invalid_phone', 'malformed_row'].sort());
    // The report names rules, never the file's values.
    expect(errors.text).not.toContain('Cy');

    const ana = await contactByExternalId('IMP-1');
    expect(ana).toMatchObject({ display_name: 'Ana', language: 'en' });
    expect([...ana!.tags].sort()).toEqual(['flu', 'senior']);
    const [attributes] = await queryRows<{ attributes: Record<string, string> }>(
      t.database.url,
      'select attributes from contacts where id = $1',
      [ana!.id],
    );
    expect(attributes!.attributes).toEqual({ insurer: 'Acme' });

    // Matched by external id: only the language changes; the name stays.
    const again = await importCsv('externalId,language\nIMP-1,es\n').expect(202);
    expect(await finishedImport(again.body.id)).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    expect(await contactByExternalId('IMP-1')).toMatchObject({ display_name: 'Ana', language: 'es' });
  });

  test('a row whose external id and phone are two different contacts is rejected, not merged', async () => {
    const phoneA = randomUsPhone();
    const phoneB = randomUsPhone();
    const first = await importCsv(`externalId,phone\nMRG-A,${phoneA}\nMRG-B,${phoneB}\n`).expect(202);
    expect(await finishedImport(first.body.id)).toMatchObject({ created: 2 });
    const clash = await importCsv(`externalId,phone\nMRG-A,${phoneB}\n`).expect(202);
    expect(await finishedImport(clash.body.id)).toMatchObject({ created: 0, updated: 0, rejected: 1 });
    const owners = await queryRows<{ external_id: string }>(
      t.database.url,
      `select c.external_id from contact_identities i join contacts c on c.id = i.contact_id where i.address = $1`,
      [phoneB],
    );
    expect(owners).toEqual([{ external_id: 'MRG-B' }]);
  });

  test('a row whose phone another writer takes while it is applied is rejected as a concurrent change; the rest go in', async () => {
    const phone = randomUsPhone();
    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    let importId: string;
    try {
      // Another writer adds the phone and has not committed: the import cannot see it yet.
      await other.query('begin');
      const [contact] = (
        await other.query<{ id: string }>('insert into contacts (org_id) values ($1) returning id', [
          t.hub.org.id,
        ])
      ).rows;
      await other.query(
        `insert into contact_identities (org_id, contact_id, kind, address) values ($1, $2, 'phone', $3)`,
        [t.hub.org.id, contact!.id, phone],
      );
      const res = await importCsv(`externalId,phone\nRACE-1,${phone}\nRACE-2,${randomUsPhone()}\n`).expect(
        202,
      );
      importId = res.body.id;
      // The import's insert of the same address waits on the unique index for that writer's outcome.
      await eventually(async () => {
        const waiting = await queryRows(
          t.database.url,
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        return waiting.length > 0;
      });
      await other.query('commit');
    } finally {
      await other.end();
    }
    const report = await finishedImport(importId);
    expect(report).toMatchObject({ status: 'completed', total: 2, created: 1, rejected: 1 });
    const errors = await request(t.hub.url)
      .get(report.errorsUrl)
      .set(await bearer())
      .expect(200);
    expect(errors.text).toContain('concurrent_change');
  });

  test('a Latin-1, semicolon-separated export is read as such', async () => {
    const csv = `externalId;name;phone\nLAT-1;José Müller;${randomUsPhone()}\n`;
    const res = await importCsv(Buffer.from(csv, 'latin1')).expect(202);
    expect(await finishedImport(res.body.id)).toMatchObject({ created: 1, rejected: 0 });
    expect(await contactByExternalId('LAT-1')).toMatchObject({ display_name: 'José Müller' });
  });

  test('a dry run reports what would change and changes nothing', async () => {
    const res = await importCsv(
      `externalId,phone\nDRY-1,${randomUsPhone()}\nDRY-2,bad\n`,
      'text/csv',
      '?dryRun=true',
    ).expect(202);
    expect(await finishedImport(res.body.id)).toMatchObject({
      status: 'completed',
      dryRun: true,
      created: 1,
      rejected: 1,
    });
    expect(await contactByExternalId('DRY-1')).toBeUndefined();
  });

  test('refusals: over the size limit 413, not CSV 415, no identity column 400, unterminated quote 400', async () => {
    const big = `externalId,name\n${'X-1,somebody\n'.repeat(MAX_IMPORT_BYTES / 10)}`;
    const tooBig = await importCsv(big).expect(413);
    expect(tooBig.body.error.code).toBe('import_too_large');
    await importCsv('{"a":1}', 'application/json').expect(415);
    expect((await importCsv('name,insurer\nAna,Acme\n').expect(400)).body.error.code).toBe(
      'import_no_identity_column',
    );
    expect((await importCsv('externalId,name\nQ-1,"never closed\n').expect(400)).body.error.code).toBe(
      'import_malformed_csv',
    );
    expect(await contactByExternalId('Q-1')).toBeUndefined();
  });

  test('a file sent as a form field (multipart, as a browser or curl -F sends it) is imported the same; a form without the file, with two files or over the limit is refused', async () => {
    const upload = () =>
      request(t.hub.url).post('/api/v1/contacts/imports').set('Authorization', `Bearer ${adminToken}`);
    const csv = `externalId,name,phone\nFORM-1,Ada Form,${randomUsPhone()}\nFORM-2,Bo Form,not-a-phone\n`;
    const res = await upload()
      .field('note', 'flu list')
      .attach('file', Buffer.from(csv), { filename: 'patients.csv', contentType: 'text/csv' })
      .expect(202);
    expect(await finishedImport(res.body.id)).toMatchObject({ status: 'completed', created: 1, rejected: 1 });
    expect(await contactByExternalId('FORM-1')).toMatchObject({ display_name: 'Ada Form' });

    const latin1 = Buffer.from(`externalId;name;phone\nFORM-3;Zoë Núñez;${randomUsPhone()}\n`, 'latin1');
    const spreadsheet = await upload().attach('file', latin1, 'export.csv').expect(202);
    expect(await finishedImport(spreadsheet.body.id)).toMatchObject({ created: 1, rejected: 0 });
    expect(await contactByExternalId('FORM-3')).toMatchObject({ display_name: 'Zoë Núñez' });

    const missing = await upload().field('file', 'not a file').expect(400);
    expect(missing.body.error.code).toBe('import_file_missing');
    const two = await upload()
      .attach('file', Buffer.from('externalId\nTWO-1\n'), 'a.csv')
      .attach('file', Buffer.from('externalId\nTWO-2\n'), 'b.csv')
      .expect(400);
    expect(two.body.error.code).toBe('import_one_file');
    expect(await contactByExternalId('TWO-1')).toBeUndefined();
    const big = `externalId,name\n${'X-1,somebody\n'.repeat(MAX_IMPORT_BYTES / 10)}`;
    const tooBig = await upload().attach('file', Buffer.from(big), 'big.csv').expect(413);
    expect(tooBig.body.error.code).toBe('import_too_large');
    const noBoundary = await upload().set('Content-Type', 'multipart/form-data').send('x').expect(400);
    expect(noBoundary.body.error.code).toBe('import_malformed_upload');
  });

  test('agents may not import', async () => {
    const res = await request(t.hub.url)
      .post('/api/v1/contacts/imports')
      .set('Content-Type', 'text/csv')
      .set('Authorization', `Bearer ${agentToken}`)
      .send('externalId\nA-1\n');
    expect(res.status).toBe(403);
  });
});

describe('campaigns', () => {
  /** Imports an audience: `n` seniors tagged `recall` with SMS marketing opt-in, plus the ones to skip. */
  async function seedAudience(tag: string, n: number) {
    const phones = Array.from({ length: n + 3 }, () => randomUsPhone());
    const rows = phones.map((phone, i) => {
      const birth = i === n + 2 ? youngBirth : seniorBirth;
      return `${tag}-${i},Patient ${i},${phone},${birth},en,${zone},${tag}`;
    });
    const csv = ['externalId,name,phone,dateOfBirth,language,timeZone,tags', ...rows].join('\n');
    const res = await importCsv(csv).expect(202);
    expect(await finishedImport(res.body.id)).toMatchObject({ created: n + 3 });
    const ids: string[] = [];
    for (let i = 0; i < n + 3; i++) ids.push((await contactByExternalId(`${tag}-${i}`))!.id);
    const consent = (id: string, status: string) =>
      admin.post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status }).expect(201);
    // 0..n-1 opted in; n opted out; n+1 never asked (no opt-in); n+2 too young for the audience.
    for (let i = 0; i < n; i++) await consent(ids[i]!, 'opted_in');
    await consent(ids[n]!, 'opted_out');
    return { phones, ids };
  }

  const recall = (tag: string) => ({
    name: `Recall ${tag}`,
    template: 'recall-outreach',
    audience: { filter: { tags: [tag], ageMin: 65 } },
    variables: { clinicName: 'Riverside Clinic', link: 'https://book.clinic.test/recall' },
  });

  test('agents never see campaigns', async () => {
    await agent.get('/campaigns').expect(403);
    await agent.post('/campaigns', recall('none')).expect(403);
  });

  test('a manager creates, previews and starts a campaign; each recipient gets it once, never faster than the rate', async () => {
    const tag = `rc${Date.now().toString(36)}`;
    const n = 9;
    const { phones, ids } = await seedAudience(tag, n);

    const created = await manager.post('/campaigns', recall(tag)).expect(201);
    expect(created.body.status).toBe('draft');
    const id = created.body.id as string;

    const preview = await manager.post(`/campaigns/${id}/preview`, {}).expect(200);
    // The young contact is outside the audience; the opted-out and never-asked ones are skipped.
    expect(preview.body).toMatchObject({
      recipients: n + 2,
      byChannel: { sms: n },
      securedVia: 0,
      deferred: 0,
      skipped: { consent_opted_out: 1, marketing_requires_opt_in: 1 },
    });
    expect(preview.body.samples[0].text).toContain('Riverside Clinic');

    const start = manager.post(`/campaigns/${id}/start`, {});
    const startAgain = manager.post(`/campaigns/${id}/start`, {});
    const statuses = (await Promise.all([start, startAgain])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);

    // Two more planners of the same run, as if jobs were duplicated or a process restarted midway.
    const [row] = await queryRows<{ run: number }>(
      t.database.url,
      'select run from campaigns where id = $1',
      [id],
    );
    // They enqueue on the campaign send queue, as the hub's own planner does.
    const sendQueue = initCampaignSendQueue({
      redisUrl: testRedisUrl(),
      prefix: t.queuePrefix,
      concurrency: 1,
    });
    const planner = { outbound: { ...t.hub.outbound, sendQueue }, sendRate: RATE, pollMs: 20 };
    try {
      await Promise.all([
        execCampaignPlanJob(planner, { campaignId: id, run: row!.run }),
        execCampaignPlanJob(planner, { campaignId: id, run: row!.run }),
      ]);
    } finally {
      await sendQueue.close();
    }

    const status = await eventually(async () => {
      const res = await manager.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    }, 30_000);
    expect(status.stats).toMatchObject({
      recipients: n + 2,
      sent: n,
      failed: 0,
      skipped: { consent_opted_out: 1, marketing_requires_opt_in: 1 },
    });

    // Exactly once: every opted-in number got one message, the others none.
    const received = t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
    const perNumber = new Map<string, number>();
    for (const m of received)
      perNumber.set(String(m.params.To), (perNumber.get(String(m.params.To)) ?? 0) + 1);
    expect(perNumber.size).toBe(n);
    expect([...perNumber.values()].every((count) => count === 1)).toBe(true);
    expect(perNumber.has(phones[n]!)).toBe(false);
    expect(perNumber.has(phones[n + 1]!)).toBe(false);
    const rows = await queryRows<{ n: string }>(
      t.database.url,
      `select count(*) as n from messages where contact_id = any($1::uuid[]) and direction = 'outbound'`,
      [ids],
    );
    expect(Number(rows[0]!.n)).toBe(n);

    // The carrier's own clock: no window of one second holds more than RATE of them.
    const times = received.map((m) => m.createdAt.getTime()).sort((a, b) => a - b);
    for (let i = 0; i + RATE < times.length; i++) {
      expect(times[i + RATE]! - times[i]!).toBeGreaterThanOrEqual(1000);
    }

    // A recipient answers STOP: opted out as usual, and counted on the campaign (a reply, an opt-out).
    await t.postInboundSms({ From: phones[0]!, Body: 'STOP' }).expect(200);
    const after = await eventually(async () => {
      const res = await manager.get(`/campaigns/${id}`).expect(200);
      return res.body.stats.optedOut === 1 ? res.body.stats : undefined;
    });
    expect(after).toMatchObject({ replied: 1, optedOut: 1 });

    const csv = await request(t.hub.url)
      .get(`/api/v1/campaigns/${id}/recipients.csv`)
      .set(await bearer())
      .expect(200);
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(n + 3);
    expect(lines.filter((l) => l.includes(',planned,')).length).toBe(n);
    expect(lines.filter((l) => l.includes('consent_opted_out')).length).toBe(1);
  });

  test('a reply within the attribution window carries the campaign, is triaged as usual, counts as replied and shows in the conversation', async () => {
    const tag = `ra${Date.now().toString(36)}`;
    const n = 2;
    const { phones, ids } = await seedAudience(tag, n);
    const id = (await manager.post('/campaigns', recall(tag)).expect(201)).body.id as string;
    await manager.post(`/campaigns/${id}/start`, {}).expect(200);
    await eventually(async () => {
      const res = await manager.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    }, 30_000);

    // The second recipient's message went out eight days ago: past the default seven-day window.
    await queryRows(
      t.database.url,
      `update messages set sent_at = sent_at - interval '8 days'
        where contact_id = $1 and direction = 'outbound'`,
      [ids[1]],
    );
    await t.postInboundSms({ From: phones[0]!, Body: 'Can I come on Thursday?' }).expect(200);
    await t.postInboundSms({ From: phones[1]!, Body: 'Can I come on Friday?' }).expect(200);
    // The opted-out contact was never sent the campaign: their message answers nothing.
    await t.postInboundSms({ From: phones[n]!, Body: 'Hello' }).expect(200);

    const inbound = await eventually(async () => {
      const rows = await queryRows<{
        contact_id: string;
        campaign_id: string | null;
        triage: unknown;
        conversation_id: string;
      }>(
        t.database.url,
        `select contact_id, campaign_id, triage, conversation_id from messages
          where contact_id = any($1::uuid[]) and direction = 'inbound'`,
        [ids],
      );
      return rows.length === 3 && rows.every((r) => r.triage !== null) ? rows : undefined;
    }, 20_000);
    const byContact = new Map(inbound.map((r) => [r.contact_id, r]));
    expect(byContact.get(ids[0]!)!.campaign_id).toBe(id);
    expect(byContact.get(ids[1]!)!.campaign_id).toBeNull();
    expect(byContact.get(ids[n]!)!.campaign_id).toBeNull();

    const stats = (await manager.get(`/campaigns/${id}`).expect(200)).body.stats;
    expect(stats).toMatchObject({ recipients: n + 2, sent: n, replied: 1 });

    const detail = await admin.get(`/conversations/${byContact.get(ids[0]!)!.conversation_id}`).expect(200);
    const reply = detail.body.conversation.messages.find(
      (m: { direction: string }) => m.direction === 'inbound',
    );
    expect(reply).toMatchObject({ campaignId: id, campaign: { id, name: `Recall ${tag}` } });
    const outbound = detail.body.conversation.messages.find(
      (m: { direction: string }) => m.direction === 'outbound',
    );
    expect(outbound.campaign).toBeNull();

    const csv = await request(t.hub.url)
      .get(`/api/v1/campaigns/${id}/recipients.csv`)
      .set(await bearer())
      .expect(200);
    const [header, ...lines] = csv.text.trim().split('\n');
    const repliedColumn = header!.split(',').indexOf('replied');
    const replied = lines.filter((l) => l.split(',')[repliedColumn] === 'yes');
    expect(replied).toHaveLength(1);
    expect(replied[0]).toContain(ids[0]!);
  });

  test('the webhook stores a reply with no campaign work: the reply is attributed with its triage decision', async () => {
    const tag = `rt${Date.now().toString(36)}`;
    const { phones, ids } = await seedAudience(tag, 1);
    const id = (await manager.post('/campaigns', recall(tag)).expect(201)).body.id as string;
    await manager.post(`/campaigns/${id}/start`, {}).expect(200);
    await eventually(async () => {
      const res = await manager.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body : undefined;
    }, 30_000);
    const replyOf = async () => {
      const [row] = await queryRows<{ campaign_id: string | null; triage: unknown }>(
        t.database.url,
        `select campaign_id, triage from messages where contact_id = $1 and direction = 'inbound'`,
        [ids[0]],
      );
      return row;
    };

    // Triage held back: what the webhook alone wrote (it answers after the commit).
    await t.hub.triageQueue.queue.pause();
    try {
      await t.postInboundSms({ From: phones[0]!, Body: 'Is Tuesday morning free?' }).expect(200);
      expect(await replyOf()).toEqual({ campaign_id: null, triage: null });
    } finally {
      await t.hub.triageQueue.queue.resume();
    }
    const decided = await eventually(async () => {
      const row = await replyOf();
      return row?.triage ? row : undefined;
    }, 20_000);
    expect(decided.campaign_id).toBe(id);
  });

  test('the preview counts per channel, deferral and skip reason are what the start then decides, recipient for recipient', async () => {
    const tag = `ag${Date.now().toString(36)}`;
    // A zone where it is about 02:00 now: an automated send waits for the sending window there.
    const utcHour = new Date().getUTCHours();
    const offset = ((2 - utcHour + 36) % 24) - 12;
    const night = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const link = 'https://book.clinic.test/agree';
    // 0, 1: opted in; 2: opted in, at night; 3: opted out; 4: never asked; 5: no phone; 6: no link.
    const people = [
      { phone: randomUsPhone(), zone, link, consent: 'opted_in' },
      { phone: randomUsPhone(), zone, link, consent: 'opted_in' },
      { phone: randomUsPhone(), zone: night, link, consent: 'opted_in' },
      { phone: randomUsPhone(), zone, link, consent: 'opted_out' },
      { phone: randomUsPhone(), zone, link, consent: undefined },
      { phone: '', zone, link, consent: undefined },
      { phone: randomUsPhone(), zone, link: '', consent: 'opted_in' },
    ];
    const csv = [
      'externalId,phone,dateOfBirth,language,timeZone,tags,link',
      ...people.map((p, i) => `${tag}-${i},${p.phone},${seniorBirth},en,${p.zone},${tag},${p.link}`),
    ].join('\n');
    const imported = await importCsv(csv).expect(202);
    expect(await finishedImport(imported.body.id)).toMatchObject({ created: people.length });
    for (const [i, person] of people.entries()) {
      if (!person.consent) continue;
      const contact = await contactByExternalId(`${tag}-${i}`);
      await admin
        .post(`/contacts/${contact!.id}/consents`, {
          channel: 'sms',
          purpose: 'marketing',
          status: person.consent,
        })
        .expect(201);
    }
    const { link: _perPatient, ...variables } = recall(tag).variables;
    const id = (await admin.post('/campaigns', { ...recall(tag), variables }).expect(201)).body.id as string;

    const preview = (await admin.post(`/campaigns/${id}/preview`, {}).expect(200)).body;
    expect(preview).toMatchObject({
      recipients: people.length,
      byChannel: { sms: 3 },
      deferred: 1,
      skipped: {
        consent_opted_out: 1,
        marketing_requires_opt_in: 1,
        no_address: 1,
        template_variable_missing: 1,
      },
    });

    await admin.post(`/campaigns/${id}/start`, {}).expect(200);
    const decided = await eventually(async () => {
      const rows = await queryRows<{
        status: string;
        skip_reason: string | null;
        channel: string | null;
        deferred: boolean | null;
      }>(
        t.database.url,
        // A recipient waiting for her morning is decided (`ready`, with her channel and due time) and
        // has no message until then.
        `select r.status, r.skip_reason, coalesce(m.channel, r.channel) as channel,
             m.scheduled_for is not null or (r.status = 'ready' and r.due_at > now()) as deferred
           from campaign_recipients r left join messages m on m.id = r.message_id where r.campaign_id = $1`,
        [id],
      );
      // The run inserts the rows (the start only counts them), then decides them.
      return rows.length === 0 || rows.some((r) => r.status === 'pending') ? undefined : rows;
    }, 30_000);
    const byChannel: Record<string, number> = {};
    const skipped: Record<string, number> = {};
    for (const row of decided) {
      if (row.channel) byChannel[row.channel] = (byChannel[row.channel] ?? 0) + 1;
      if (row.skip_reason) skipped[row.skip_reason] = (skipped[row.skip_reason] ?? 0) + 1;
    }
    expect({
      recipients: decided.length,
      byChannel,
      deferred: decided.filter((r) => r.deferred).length,
      skipped,
    }).toEqual({
      recipients: preview.recipients,
      byChannel: preview.byChannel,
      deferred: preview.deferred,
      skipped: preview.skipped,
    });
    // The deferred message would wait for hours: the campaign ends here.
    await admin.post(`/campaigns/${id}/cancel`, {}).expect(200);
  });

  test('the frequency cap (2 marketing messages per contact in 30 days) skips those over it, in the preview and at send', async () => {
    const tag = `fc${Date.now().toString(36)}`;
    const n = 2;
    const { phones } = await seedAudience(tag, n);
    // The first patient also carries a second tag, so a second campaign reaches only them.
    const tagged = await importCsv(`externalId,tags\n${tag}-0,${tag}x\n`).expect(202);
    expect(await finishedImport(tagged.body.id)).toMatchObject({ updated: 1 });

    const runToEnd = async (tagName: string) => {
      const id = (await manager.post('/campaigns', recall(tagName)).expect(201)).body.id as string;
      await manager.post(`/campaigns/${id}/start`, {}).expect(200);
      return eventually(async () => {
        const res = await manager.get(`/campaigns/${id}`).expect(200);
        return res.body.status === 'completed' ? { id, stats: res.body.stats } : undefined;
      }, 30_000);
    };
    expect((await runToEnd(tag)).stats).toMatchObject({ sent: n });
    expect((await runToEnd(`${tag}x`)).stats).toMatchObject({ sent: 1 });

    // A third: the first patient has had two marketing messages this month, the second one.
    const third = (await manager.post('/campaigns', recall(tag)).expect(201)).body.id as string;
    const preview = await manager.post(`/campaigns/${third}/preview`, {}).expect(200);
    expect(preview.body).toMatchObject({
      recipients: n + 2,
      byChannel: { sms: 1 },
      skipped: { consent_opted_out: 1, marketing_requires_opt_in: 1, frequency_cap: 1 },
    });
    await manager.post(`/campaigns/${third}/start`, {}).expect(200);
    const done = await eventually(async () => {
      const res = await manager.get(`/campaigns/${third}`).expect(200);
      return res.body.status === 'completed' ? res.body.stats : undefined;
    }, 30_000);
    expect(done).toMatchObject({
      recipients: n + 2,
      sent: 1,
      skipped: { consent_opted_out: 1, marketing_requires_opt_in: 1, frequency_cap: 1 },
    });
    const to = (phone: string) => t.twilio.messages.filter((m) => m.params.To === phone).length;
    expect(to(phones[0]!)).toBe(2);
    expect(to(phones[1]!)).toBe(2);
  });

  test('a recipient without a template variable is skipped, the rest go; a pause holds sends, resume finishes them once', async () => {
    const tag = `pz${Date.now().toString(36)}`;
    const n = 9;
    const phones = Array.from({ length: n }, () => randomUsPhone());
    // The booking link is per patient (an imported column); the last one has none.
    const rows = phones.map(
      (phone, i) =>
        `${tag}-${i},${phone},${seniorBirth},en,${zone},${tag},${i < n - 1 ? `https://book.clinic.test/${i}` : ''}`,
    );
    const imported = await importCsv(
      ['externalId,phone,dateOfBirth,language,timeZone,tags,link', ...rows].join('\n'),
    ).expect(202);
    expect(await finishedImport(imported.body.id)).toMatchObject({ created: n });
    for (let i = 0; i < n; i++) {
      const contact = await contactByExternalId(`${tag}-${i}`);
      await admin
        .post(`/contacts/${contact!.id}/consents`, {
          channel: 'sms',
          purpose: 'marketing',
          status: 'opted_in',
        })
        .expect(201);
    }
    const { link: _perPatient, ...variables } = recall(tag).variables;
    const created = await admin.post('/campaigns', { ...recall(tag), variables }).expect(201);
    const id = created.body.id as string;
    const preview = await admin.post(`/campaigns/${id}/preview`, {}).expect(200);
    expect(preview.body).toMatchObject({
      recipients: n,
      byChannel: { sms: n - 1 },
      skipped: { template_variable_missing: 1 },
    });

    const queue = new Queue('campaign-send', { connection: { url: testRedisUrl() }, prefix: t.queuePrefix });
    const plans = new Queue('campaign-plan', { connection: { url: testRedisUrl() }, prefix: t.queuePrefix });
    try {
      await admin.post(`/campaigns/${id}/start`, {}).expect(200);
      const got = () => t.twilio.messages.filter((m) => phones.includes(String(m.params.To)));
      await eventually(async () => got().length >= 1);
      expect((await admin.post(`/campaigns/${id}/pause`, {}).expect(200)).body.status).toBe('paused');
      // Held: the planner's run has ended, and every message still waiting has had its job taken by
      // the send worker and put back to wait.
      const [planRow] = await queryRows<{ run: number }>(
        t.database.url,
        'select run from campaigns where id = $1',
        [id],
      );
      const waiting = await eventually(async () => {
        if ((await plans.getJobState(`${id}-${planRow!.run}`)) === 'active') return undefined;
        const pending = await queryRows<{ id: string; status: string }>(
          t.database.url,
          `select m.id, m.status from campaign_recipients r join messages m on m.id = r.message_id
            where r.campaign_id = $1 and m.status in ('pending', 'sending')`,
          [id],
        );
        if (pending.some((m) => m.status === 'sending')) return undefined;
        const states = await Promise.all(pending.map((m) => queue.getJobState(m.id)));
        return states.every((state) => state === 'delayed') ? pending : undefined;
      }, 20_000);
      // Everyone is accounted for: sent before the pause, held, or not yet planned (the planner stopped).
      const [unplanned] = await queryRows<{ pending: string; skipped: string }>(
        t.database.url,
        `select count(*) filter (where status = 'pending') as pending,
                count(*) filter (where status = 'skipped') as skipped
           from campaign_recipients where campaign_id = $1`,
        [id],
      );
      const held = waiting.length + Number(unplanned!.pending);
      expect(held).toBeGreaterThan(0);
      expect(got().length + held + Number(unplanned!.skipped)).toBe(n);
      expect((await admin.get(`/campaigns/${id}`).expect(200)).body.status).toBe('paused');

      await admin.post(`/campaigns/${id}/resume`, {}).expect(200);
      const done = await eventually(async () => {
        const res = await admin.get(`/campaigns/${id}`).expect(200);
        return res.body.status === 'completed' ? res.body : undefined;
      }, 30_000);
      expect(done.stats).toMatchObject({
        recipients: n,
        sent: n - 1,
        skipped: { template_variable_missing: 1 },
      });
      const perNumber = new Set(got().map((m) => String(m.params.To)));
      expect(got()).toHaveLength(n - 1);
      expect(perNumber.size).toBe(n - 1);
      expect(perNumber.has(phones[n - 1]!)).toBe(false);
      // Each got its own link.
      expect(String(got().find((m) => m.params.To === phones[0])!.params.Body)).toContain(
        'https://book.clinic.test/0',
      );
    } finally {
      await queue.close();
      await plans.close();
    }
  });

  test("reading a campaign writes nothing: completion is the send worker and planner's", async () => {
    const id = (await manager.post('/campaigns', recall('nobody-read')).expect(201)).body.id as string;
    // Running with nothing to do, as no worker would leave it; a read must not be what moves it on.
    await queryRows(t.database.url, `update campaigns set status = 'running' where id = $1`, [id]);
    const before = await queryRows(t.database.url, 'select status, updated_at from campaigns where id = $1', [
      id,
    ]);
    expect((await manager.get(`/campaigns/${id}`).expect(200)).body.status).toBe('running');
    expect(
      await queryRows(t.database.url, 'select status, updated_at from campaigns where id = $1', [id]),
    ).toEqual(before);
  });

  test('a draft can be cancelled but not paused; a cancelled one cannot start', async () => {
    const created = await admin.post('/campaigns', recall('nobody')).expect(201);
    const id = created.body.id as string;
    expect((await admin.post(`/campaigns/${id}/pause`, {}).expect(409)).body.error.code).toBe(
      'campaign_state_conflict',
    );
    await admin.post(`/campaigns/${id}/cancel`, {}).expect(200);
    await admin.post(`/campaigns/${id}/start`, {}).expect(409);
  });

  test('a language filter counts contacts by language tag whatever its case: from the API, an import, and older lower-cased data', async () => {
    const tag = `lg${Date.now().toString(36)}`;
    const viaApi = await admin.post('/contacts', { name: 'Api', language: 'es-MX' }).expect(201);
    expect(viaApi.body.contact.language).toBe('es-MX');
    const typedLower = await admin.post('/contacts', { name: 'Lower', language: 'es-mx' }).expect(201);
    expect(typedLower.body.contact.language).toBe('es-MX');
    const legacy = await admin.post('/contacts', { name: 'Legacy', language: 'en' }).expect(201);
    // Imports used to store tags lower-cased.
    await queryRows(t.database.url, `update contacts set language = 'es-mx' where id = $1`, [
      legacy.body.contact.id,
    ]);
    const ids = [viaApi, typedLower, legacy].map((r) => r.body.contact.id as string);
    const rows = [
      'externalId,language,tags',
      `${tag}-csv,es_mx,${tag}`,
      `${tag}-en,en,${tag}`,
      ...ids.map((_, i) => `${tag}-${i},,${tag}`),
    ];
    // The API contacts get the tag through the import, matched by their external id set here.
    for (const [i, id] of ids.entries()) {
      await queryRows(t.database.url, `update contacts set external_id = $1 where id = $2`, [
        `${tag}-${i}`,
        id,
      ]);
    }
    const imported = await importCsv(rows.join('\n')).expect(202);
    expect(await finishedImport(imported.body.id)).toMatchObject({ created: 2, updated: 3, rejected: 0 });
    expect(await contactByExternalId(`${tag}-csv`)).toMatchObject({ language: 'es-MX' });

    const preview = async (language: string | string[]) => {
      const audience = { filter: { tags: [tag], language } };
      const id = (await manager.post('/campaigns', { ...recall(tag), audience }).expect(201)).body.id;
      return (await manager.post(`/campaigns/${id}/preview`, {}).expect(200)).body.recipients;
    };
    expect(await preview('es-MX')).toBe(4);
    expect(await preview('ES-mx')).toBe(4);
    expect(await preview('es')).toBe(4);
    expect(await preview(['en', 'es-MX'])).toBe(5);
    await manager
      .post('/campaigns', { ...recall(tag), audience: { filter: { language: 'spanish please' } } })
      .expect(400);
  });

  test('bad input: unknown template 422, schedule in the past 422, unknown filter key 400', async () => {
    expect(
      (await admin.post('/campaigns', { ...recall('x'), template: 'nope' }).expect(422)).body.error.code,
    ).toBe('template_not_found');
    expect(
      (await admin.post('/campaigns', { ...recall('x'), scheduleAt: '2020-01-01T10:00:00Z' }).expect(422))
        .body.error.code,
    ).toBe('schedule_in_past');
    await admin.post('/campaigns', { ...recall('x'), audience: { filter: { shoeSize: 9 } } }).expect(400);
  });

  // Last of the file: the slowdown it causes lasts a minute and would slow the tests after it.
  test('a send counts against its sender until its provider call ends: a slow call followed by sends on time never puts more than the rate in one second', async () => {
    const redis = new Redis(testRedisUrl());
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const throttle = new SenderThrottle(redis, `${t.queuePrefix}:slow-call`, RATE);
      const sender = `sms:${randomUsPhone()}`;
      // The latest the carrier can have seen each send: just before its provider call ended.
      const seen: number[] = [];
      const send = async (callMs: number) => {
        const release = await throttle.acquire(sender);
        await pause(callMs);
        seen.push(Date.now());
        await release();
      };
      // The first call is slow (a cold SDK, a busy event loop): it reaches the carrier after the
      // second send's slot. Spacing the slots alone put five arrivals within 940 ms here.
      const slow = send(throttle.gapMs + 100);
      for (let i = 0; i < RATE; i++) await send(0);
      await slow;
      seen.sort((a, b) => a - b);
      expect(seen).toHaveLength(RATE + 1);
      for (let i = 0; i + RATE < seen.length; i++) {
        expect(seen[i + RATE]! - seen[i]!).toBeGreaterThanOrEqual(1000);
      }
    } finally {
      redis.disconnect();
    }
  });

  test('a carrier rate limit (429, error 20429) slows the sender down and sends the message later, once', async () => {
    const tag = `rl${Date.now().toString(36)}`;
    const n = 3;
    const { phones } = await seedAudience(tag, n);
    const tooMany = (to: string) =>
      ({ kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', to }) as const;
    // Six refusals for the first patient: more than a send's five attempts, so a rate limit that
    // used them up would fail the message. One for the second.
    t.twilio.enqueueReplies(...Array.from({ length: 6 }, () => tooMany(phones[0]!)), tooMany(phones[1]!));

    const id = (await manager.post('/campaigns', recall(tag)).expect(201)).body.id as string;
    await manager.post(`/campaigns/${id}/start`, {}).expect(200);
    const stats = await eventually(async () => {
      const res = await manager.get(`/campaigns/${id}`).expect(200);
      return res.body.status === 'completed' ? res.body.stats : undefined;
    }, 60_000);
    expect(stats).toMatchObject({ recipients: n + 2, sent: n, failed: 0 });

    const refused = (phone: string) => t.twilio.refusedMessages.filter((m) => m.params.To === phone).length;
    expect(refused(phones[0]!)).toBe(6);
    expect(refused(phones[1]!)).toBe(1);
    // Each got it once in the end.
    for (const phone of phones.slice(0, n)) {
      expect(t.twilio.messages.filter((m) => m.params.To === phone)).toHaveLength(1);
    }
    // The sender goes slower now (the hub's throttle, as every process reads it from Redis).
    const redis = new Redis(testRedisUrl());
    try {
      const throttle = new SenderThrottle(redis, t.queuePrefix, RATE);
      expect(await throttle.slowdownOf(`sms:${CLINIC_NUMBER}`)).toBeGreaterThanOrEqual(2);
    } finally {
      redis.disconnect();
    }
  });
});
