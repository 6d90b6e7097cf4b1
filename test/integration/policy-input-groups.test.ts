import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { ensureOrganization } from '../../src/clinic/organization';
import { loadPolicyContexts, policyInputsOf } from '../../src/outbound/outbound-decision';
import { groupByPolicyInputs, type PolicyInputGroup } from '../../src/outbound/policy-input-groups';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/database';
import { rowsOf } from '../../src/platform/db/rows';
import { contacts } from '../../src/platform/db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// A campaign preview groups its audience in SQL by what a send's decision reads about each recipient
// (groupByPolicyInputs) and decides each group once. That is only the start's decision if the SQL
// reads every recipient exactly as loadPolicyContexts + policyInputsOf do: here every input
// decisionKey reads (the cases of src/outbound/decision-key.test.ts) is stored for real, and each
// contact's group must carry the inputs her own loaded context gives, and a contact differing from
// another in any of them must land in another group.
let database: TestDatabase;
let handle: DatabaseHandle;
let orgId: string;
let otherOrgId: string;
const lifetime = { idleMinutes: 30, maxHours: 8 };
const tag = 'grouping';

interface Person {
  orgId?: string;
  displayName?: string;
  timeZone?: string;
  language?: string;
  dateOfBirth?: string | null;
  channelPreferences?: string[];
  attributes?: Record<string, string | null>;
  identities?: { kind: string; undeliverable?: boolean; verified?: boolean; createdAt?: string }[];
  /** Newest last, as recorded. */
  ledger?: { status: string; purpose?: string; channel?: string; recordedAt: string }[];
}

const phone = () =>
  `+1555${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;

async function store(person: Person): Promise<string> {
  const { db } = handle;
  const id = randomUUID();
  const org = person.orgId ?? orgId;
  await db.execute(sql`
    insert into contacts (id, org_id, display_name, date_of_birth, language, time_zone, channel_preferences, tags, attributes)
    values (${id}, ${org}, ${person.displayName ?? `Patient ${id.slice(0, 6)}`},
      ${person.dateOfBirth === undefined ? '1950-01-01' : person.dateOfBirth}, ${person.language ?? 'en'},
      ${person.timeZone ?? 'America/Chicago'}, ${JSON.stringify(person.channelPreferences ?? [])}::jsonb,
      ${JSON.stringify([tag])}::jsonb, ${JSON.stringify(person.attributes ?? { link: 'https://book.test/x' })}::jsonb)`);
  for (const identity of person.identities ?? [{ kind: 'phone' }]) {
    const identityId = randomUUID();
    const address = identity.kind === 'email' ? `${identityId}@example.test` : phone();
    await db.execute(sql`
      insert into contact_identities (id, org_id, contact_id, kind, address, undeliverable_at, created_at)
      values (${identityId}, ${org}, ${id}, ${identity.kind}, ${address},
        ${identity.undeliverable ? sql`now()` : sql`null`}, ${identity.createdAt ?? '2026-01-01T00:00:00Z'})`);
    if (identity.verified) {
      await db.execute(sql`
        insert into identity_verifications (identity_id, org_id, contact_id, method)
        values (${identityId}, ${org}, ${id}, 'code:sms')`);
    }
  }
  for (const entry of person.ledger ?? [{ status: 'opted_in', recordedAt: '2026-03-01T10:00:00Z' }]) {
    await db.execute(sql`
      insert into consent_ledger (org_id, contact_id, channel, purpose, status, source, recorded_at)
      values (${org}, ${id}, ${entry.channel ?? 'sms'}, ${entry.purpose ?? 'marketing'}, ${entry.status}, 'test',
        ${entry.recordedAt})`);
  }
  return id;
}

const groupsOf = (condition = sql`${contacts.tags} @> ${JSON.stringify([tag])}::jsonb`) =>
  groupByPolicyInputs(handle.db, {
    contacts: condition,
    lifetime,
    attributes: ['clinicName', 'link'],
    displayName: false,
  });

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ url: database.url, poolSize: 2 });
  orgId = (await ensureOrganization(handle.db, { name: 'Grouping Clinic', timeZone: 'UTC' })).id;
  otherOrgId = randomUUID();
  await handle.db.execute(
    sql`insert into organizations (id, name, time_zone) values (${otherOrgId}, 'Other Clinic', 'UTC')`,
  );
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const opt = (status: string, recordedAt: string, more: { purpose?: string; channel?: string } = {}) => ({
  status,
  recordedAt,
  ...more,
});
const optedIn = opt('opted_in', '2026-03-01T10:00:00Z');

// Each differs from the base patient in one thing the policy or the rendering reads.
const variants: [string, Person][] = [
  ['another time zone (quiet hours)', { timeZone: 'Asia/Tokyo' }],
  ['another language (wording)', { language: 'es' }],
  ['no date of birth (no secure link possible)', { dateOfBirth: null }],
  ['channel preferences', { channelPreferences: ['email'] }],
  ['an undeliverable phone', { identities: [{ kind: 'phone', undeliverable: true }] }],
  ['a verified phone', { identities: [{ kind: 'phone', verified: true }] }],
  ['an email as well', { identities: [{ kind: 'phone' }, { kind: 'email' }] }],
  [
    'a second phone, older and undeliverable (the order a send reads them in)',
    {
      identities: [
        { kind: 'phone' },
        { kind: 'phone', undeliverable: true, createdAt: '2025-01-01T00:00:00Z' },
      ],
    },
  ],
  ['no address at all', { identities: [] }],
  ['an opt-out instead', { ledger: [opt('opted_out', '2026-03-01T10:00:00Z')] }],
  ['no consent on record', { ledger: [] }],
  ['an opt-in for care instead', { ledger: [opt('opted_in', '2026-03-01T10:00:00Z', { purpose: 'care' })] }],
  ['an opt-in on email instead', { ledger: [opt('opted_in', '2026-03-01T10:00:00Z', { channel: 'email' })] }],
  [
    'an opt-out recorded at the same moment as the opt-in (a tie the opt-out wins)',
    { ledger: [optedIn, opt('opted_out', '2026-03-01T10:00:00Z')] },
  ],
  [
    'an older opt-out under the newer opt-in',
    { ledger: [opt('opted_out', '2025-01-01T00:00:00Z'), optedIn] },
  ],
  ['another organisation', { orgId: 'other' }],
  ['another booking link (a declared variable)', { attributes: { link: 'https://book.test/y' } }],
  ['no booking link', { attributes: {} }],
  ['a booking link stored as null', { attributes: { link: null } }],
];

test('one group per distinct case: a patient differing in any policy input is in another group', async () => {
  const base = await store({});
  // Alike in all the policy reads: who she is, her number, when she opted in, an undeclared attribute.
  const twin = await store({
    displayName: 'Someone Else',
    attributes: { link: 'https://book.test/x', other: 'y' },
    ledger: [opt('opted_in', '2026-05-06T07:08:09.123Z')],
  });
  const ids = new Map<string, string>();
  for (const [name, person] of variants) {
    ids.set(name, await store({ ...person, ...(person.orgId ? { orgId: otherOrgId } : {}) }));
  }
  // Recorded 0.3 ms apart: one millisecond to a JavaScript Date, so the same moment to the policy.
  const sameMillisecond = await store({
    ledger: [opt('opted_in', '2026-03-01T10:00:00.0001Z'), opt('opted_out', '2026-03-01T10:00:00.0004Z')],
  });

  const groups = await groupsOf();
  const sizeOf = (ids: string[]) => groups.find((g) => g.firstContactId === ids.sort()[0])?.count;
  expect(groups.reduce((n, g) => n + g.count, 0)).toBe(variants.length + 3);
  expect(groups).toHaveLength(variants.length + 1);
  // The twins share a group; the same-millisecond pair of rows reads as the tied case does.
  expect(sizeOf([base, twin])).toBe(2);
  const tied = ids.get('an opt-out recorded at the same moment as the opt-in (a tie the opt-out wins)')!;
  expect(sizeOf([tied, sameMillisecond])).toBe(2);
  // Every other case is a group of its own.
  for (const [name, id] of ids) {
    if (id !== tied) expect([name, sizeOf([id])]).toEqual([name, 1]);
  }
});

test("each contact's group carries exactly the inputs her loaded context gives (SQL and loadPolicyContexts agree)", async () => {
  const all = await groupsOf();
  const everyone = rowsOf<{ id: string }>(
    await handle.db.execute(sql`select id from contacts where tags @> ${JSON.stringify([tag])}::jsonb`),
  );
  expect(everyone.length).toBeGreaterThan(variants.length);
  const contexts = await loadPolicyContexts(
    handle.db,
    everyone.map((c) => c.id),
    lifetime,
  );
  for (const { id } of everyone) {
    const [own] = await groupsOf(sql`${contacts.id} = ${id}`);
    const context = contexts.get(id)!;
    expect(own!.inputs).toEqual(policyInputsOf(context));
    // The declared variables the request reads, as her contact row holds them.
    const declared = Object.fromEntries(
      ['clinicName', 'link']
        .filter((k) => Object.hasOwn(context.contact.attributes, k))
        .map((k) => [k, context.contact.attributes[k]]),
    );
    expect(own!.attributes).toEqual(declared);
    // And she is in one of the audience's groups with those inputs.
    expect(all.some((g: PolicyInputGroup) => JSON.stringify(g.inputs) === JSON.stringify(own!.inputs))).toBe(
      true,
    );
  }
});

test('a contact the caller flags (at the frequency cap) is set apart from her twins', async () => {
  const first = await store({ displayName: 'Flag A' });
  const second = await store({ displayName: 'Flag B' });
  const condition = sql`${contacts.id} in (${first}, ${second})`;
  const groups = await groupByPolicyInputs(handle.db, {
    contacts: condition,
    lifetime,
    attributes: ['link'],
    displayName: false,
    flag: (ids) => sql`select id from contacts where id in (${ids}) and display_name = 'Flag B'`,
  });
  expect(groups.map((g) => [g.count, g.flagged])).toEqual(
    [first, second].sort().map((id) => [1, id === second]),
  );
  // With the display name read (a template that declares `name`), they differ too.
  const named = await groupByPolicyInputs(handle.db, {
    contacts: condition,
    lifetime,
    attributes: [],
    displayName: true,
  });
  expect(named.map((g) => g.displayName).sort()).toEqual(['Flag A', 'Flag B']);
});
