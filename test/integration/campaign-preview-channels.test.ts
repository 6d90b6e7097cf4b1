import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { importOptedInAudience } from '../support/opted-in-audience';
import { startCaptureServer } from '../support/smtp-capture';
import { queryRows } from '../support/test-database';
import {
  eventually,
  middayTimeZone,
  randomUsPhone,
  type StaffApi,
  startTestHub,
  type TestHub,
} from '../support/test-hub';

// The preview of a campaign beyond SMS: email in its channel counts (a patient reachable by email only,
// one who prefers it, a campaign that prefers it), PHI sent behind a secure link (`securedVia`),
// a sample per channel and language, each in its own language; and the start then does what the
// preview said, recipient for recipient, as the carrier and the mail relay see it.
jest.setTimeout(120_000);

const DOMAIN = 'mail.clinic.test';

let t: TestHub;
let admin: StaffApi;
let capture: Awaited<ReturnType<typeof startCaptureServer>>;

beforeAll(async () => {
  capture = await startCaptureServer();
  t = await startTestHub({
    env: {
      CAMPAIGN_SEND_RATE: '20',
      SMTP_URL: `smtp://127.0.0.1:${capture.port}`,
      EMAIL_FROM: `"Riverside Clinic" <care@${DOMAIN}>`,
    },
  });
  admin = await t.api();
});
afterAll(async () => {
  await t?.stop();
  await capture?.close();
});

interface Patient {
  phone?: string;
  email?: string;
  language: 'en' | 'es';
  dateOfBirth?: string;
  /** Channels she opts in to marketing on, beside the SMS opt-in every imported patient gets. */
  optIn?: string[];
  prefers?: string[];
}

const emailAddress = (tag: string, i: number) => `${tag}.${i}@example.org`;

/** Imports the patients tagged `tag` (SMS marketing opt-in for all), then their other opt-ins and preferences. */
async function importPatients(tag: string, patients: Patient[]): Promise<string[]> {
  const zone = middayTimeZone();
  const csv = [
    'externalId,name,phone,email,dateOfBirth,language,timeZone,tags',
    ...patients.map(
      (p, i) =>
        `${tag}-${i},Patient ${i},${p.phone ?? ''},${p.email ?? ''},${p.dateOfBirth ?? ''},${p.language},${zone},${tag}`,
    ),
  ].join('\n');
  await importOptedInAudience(t, admin, csv, tag);
  const ids: string[] = [];
  for (const [i, patient] of patients.entries()) {
    const [row] = await queryRows<{ id: string }>(
      t.database.url,
      'select id from contacts where external_id = $1',
      [`${tag}-${i}`],
    );
    ids.push(row!.id);
    for (const channel of patient.optIn ?? []) {
      await admin
        .post(`/contacts/${row!.id}/consents`, { channel, purpose: 'marketing', status: 'opted_in' })
        .expect(201);
    }
    if (patient.prefers) {
      await admin.patch(`/contacts/${row!.id}`, { channelPreferences: patient.prefers }).expect(200);
    }
  }
  return ids;
}

async function completed(id: string) {
  return eventually(async () => {
    const res = await admin.get(`/campaigns/${id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  }, 60_000);
}

/** The recipients.csv export as rows of named cells. */
async function recipientRows(id: string): Promise<Record<string, string>[]> {
  const res = await request(t.hub.url)
    .get(`/api/v1/campaigns/${id}/recipients.csv`)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(200);
  const [header, ...lines] = res.text.trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])));
}

/** Counts per channel and per skip reason, as the preview counts them. */
function tally(rows: Record<string, string>[]) {
  const byChannel: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  for (const row of rows) {
    if (row.skipReason) skipped[row.skipReason] = (skipped[row.skipReason] ?? 0) + 1;
    else byChannel[row.channel!] = (byChannel[row.channel!] ?? 0) + 1;
  }
  return { recipients: rows.length, byChannel, skipped };
}

/** The campaign's figures per channel, as recipient counts: the preview's `byChannel`. */
const recipientsByChannel = (stats: { byChannel: Record<string, { recipients: number }> }) =>
  Object.fromEntries(Object.entries(stats.byChannel).map(([channel, f]) => [channel, f.recipients]));

const mailTo = (address: string) =>
  capture.received.filter((m: ParsedMail) => !Array.isArray(m.to) && m.to?.value[0]?.address === address);
const textsTo = (phone: string) => t.twilio.messages.filter((m) => m.params.To === phone);

test('email in the preview (email only, preferring email), a sample per channel and language in that language, and the start sends just that', async () => {
  const tag = `pvc${Date.now().toString(36)}`;
  const patients: Patient[] = [
    { phone: randomUsPhone(), language: 'en' },
    { phone: randomUsPhone(), language: 'es' },
    { email: emailAddress(tag, 2), language: 'en', optIn: ['email'] },
    { email: emailAddress(tag, 3), language: 'es', optIn: ['email'] },
    // Reachable on both and opted in on both: her preference, not SMS's rank, chooses email.
    {
      phone: randomUsPhone(),
      email: emailAddress(tag, 4),
      language: 'en',
      optIn: ['email'],
      prefers: ['email'],
    },
    // Email only and never opted in to marketing there.
    { email: emailAddress(tag, 5), language: 'en' },
  ];
  await importPatients(tag, patients);
  const link = 'https://book.clinic.test/recall';
  const created = await admin
    .post('/campaigns', {
      name: `Recall ${tag}`,
      template: 'recall-outreach',
      audience: { filter: { tags: [tag] } },
      variables: { link },
    })
    .expect(201);
  const id = created.body.id as string;

  const preview = (await admin.post(`/campaigns/${id}/preview`, {}).expect(200)).body;
  expect(preview).toMatchObject({
    recipients: 6,
    byChannel: { sms: 2, email: 3 },
    securedVia: 0,
    deferred: 0,
    skipped: { marketing_requires_opt_in: 1 },
  });
  const samples = new Map<string, { subject?: string; text: string }>(
    preview.samples.map((s: { channel: string; locale: string; subject?: string; text: string }) => [
      `${s.channel}:${s.locale}`,
      s,
    ]),
  );
  expect([...samples.keys()].sort()).toEqual(['email:en', 'email:es', 'sms:en', 'sms:es']);
  expect(preview.samples).toHaveLength(4);
  expect(samples.get('sms:en')!.text).toContain("it's time to schedule your next check-up");
  expect(samples.get('sms:es')!.text).toContain('es hora de programar su próximo chequeo');
  expect(samples.get('email:en')).toMatchObject({ subject: 'Time to schedule your next check-up' });
  expect(samples.get('email:es')).toMatchObject({ subject: 'Es hora de programar su próximo chequeo' });
  expect(samples.get('email:es')!.text).toContain(`Reserve en línea en ${link}`);

  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const done = await completed(id);
  expect(done.stats).toMatchObject({ recipients: 6, sent: 5, failed: 0, skipped: preview.skipped });
  expect(recipientsByChannel(done.stats)).toEqual(preview.byChannel);
  expect(tally(await recipientRows(id))).toEqual({
    recipients: preview.recipients,
    byChannel: preview.byChannel,
    skipped: preview.skipped,
  });

  // The carrier saw the two SMS recipients once each, in their language, and not the one who prefers email.
  const [en, es] = await eventually(async () => {
    const texts = [textsTo(patients[0]!.phone!), textsTo(patients[1]!.phone!)];
    return texts.every((x) => x.length > 0) ? texts : undefined;
  });
  expect([en!.length, es!.length]).toEqual([1, 1]);
  expect(en![0]!.params.Body).toBe(samples.get('sms:en')!.text);
  expect(es![0]!.params.Body).toBe(samples.get('sms:es')!.text);
  expect(textsTo(patients[4]!.phone!)).toHaveLength(0);
  // The relay got one mail for each email recipient, the Spanish one in Spanish; none for the one not opted in.
  const mails = await eventually(async () => {
    const got = [2, 3, 4].map((i) => mailTo(patients[i]!.email!));
    return got.every((x) => x.length > 0) ? got : undefined;
  });
  expect(mails.map((x) => x.length)).toEqual([1, 1, 1]);
  expect(mails[0]![0]!.subject).toBe('Time to schedule your next check-up');
  expect(mails[1]![0]!.subject).toBe('Es hora de programar su próximo chequeo');
  expect(mails[1]![0]!.text).toContain(`Reserve en línea en ${link}`);
  expect(mails[2]![0]!.subject).toBe('Time to schedule your next check-up');
  expect(mailTo(patients[5]!.email!)).toHaveLength(0);
});

test('PHI goes behind a secure link: the preview counts securedVia per channel (a campaign preferring email), shows no PHI, and the start sends only notices', async () => {
  const tag = `pvs${Date.now().toString(36)}`;
  const dateOfBirth = '1961-05-06';
  const patients: Patient[] = [
    { phone: randomUsPhone(), language: 'en', dateOfBirth },
    { phone: randomUsPhone(), language: 'es', dateOfBirth },
    { email: emailAddress(tag, 2), language: 'en', dateOfBirth },
    // Reachable on both: the campaign prefers email.
    { phone: randomUsPhone(), email: emailAddress(tag, 3), language: 'es', dateOfBirth },
    // No date of birth on file: no secure link can open for her, and PHI may not go in clear.
    { phone: randomUsPhone(), language: 'en' },
  ];
  await importPatients(tag, patients);
  const summary = `Cholesterol slightly high ${tag}`;
  const created = await admin
    .post('/campaigns', {
      name: `Results ${tag}`,
      template: 'lab-results-available',
      audience: { filter: { tags: [tag] } },
      variables: { testName: 'Lipid panel', resultSummary: summary },
      channelPreference: 'email',
    })
    .expect(201);
  const id = created.body.id as string;

  const preview = (await admin.post(`/campaigns/${id}/preview`, {}).expect(200)).body;
  expect(preview).toMatchObject({
    recipients: 5,
    byChannel: { sms: 2, email: 2 },
    securedVia: 4,
    deferred: 0,
    skipped: { no_channel_allowed: 1 },
  });
  // A sample is what goes on the channel in clear; the results never show in one.
  expect(JSON.stringify(preview.samples)).not.toContain(summary);

  await admin.post(`/campaigns/${id}/start`, {}).expect(200);
  const done = await completed(id);
  expect(done.stats).toMatchObject({ recipients: 5, sent: 4, failed: 0, skipped: preview.skipped });
  expect(recipientsByChannel(done.stats)).toEqual(preview.byChannel);
  expect(tally(await recipientRows(id))).toEqual({
    recipients: preview.recipients,
    byChannel: preview.byChannel,
    skipped: preview.skipped,
  });
  // Each secured recipient's content waits behind a link: one secure-link message per notice.
  const [secured] = await queryRows<{ n: string }>(
    t.database.url,
    `select count(*) as n from messages where campaign_id = $1 and channel = 'securelink'`,
    [id],
  );
  expect(Number(secured!.n)).toBe(preview.securedVia);

  // The carrier and the relay saw notices with a live link, in the patient's language, never the results.
  const [en, es] = await eventually(async () => {
    const texts = [textsTo(patients[0]!.phone!), textsTo(patients[1]!.phone!)];
    return texts.every((x) => x.length > 0) ? texts : undefined;
  });
  expect([en!.length, es!.length]).toEqual([1, 1]);
  expect(en![0]!.params.Body).toMatch(
    /^You have a new secure message from .+: https:\/\/hub\.clinic\.test\/s\/[\w-]{43}$/,
  );
  expect(es![0]!.params.Body).toMatch(
    /^Tiene un nuevo mensaje seguro de .+: https:\/\/hub\.clinic\.test\/s\/[\w-]{43}$/,
  );
  const mails = await eventually(async () => {
    const got = [2, 3].map((i) => mailTo(patients[i]!.email!));
    return got.every((x) => x.length > 0) ? got : undefined;
  });
  expect(mails.map((x) => x.length)).toEqual([1, 1]);
  expect(mails[0]![0]!.subject).toMatch(/^New secure message from /);
  expect(mails[1]![0]!.subject).toMatch(/^Nuevo mensaje seguro de /);
  for (const sent of [...en!, ...es!]
    .map((m) => String(m.params.Body))
    .concat(mails.map((x) => x[0]!.text ?? ''))) {
    expect(sent).not.toContain(summary);
    expect(sent).not.toContain('Lipid panel');
  }
  // Neither the one the campaign sent by email nor the one without a date of birth got a text.
  expect(textsTo(patients[3]!.phone!)).toHaveLength(0);
  expect(textsTo(patients[4]!.phone!)).toHaveLength(0);
});
