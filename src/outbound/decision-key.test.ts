import { loadTemplateCatalog } from '../templates';
import {
  decisionKey,
  decisionKeyOf,
  type OutboundRequest,
  type PolicyContext,
  policyInputsOf,
} from './outbound-decision';

// decisionKey stands in for everything a send's decision reads: two requests with equal keys must be
// decided alike, and any difference the policy or the rendering can see must change the key.
const deps = { templates: loadTemplateCatalog() };
const at = (iso: string) => new Date(iso);

function request(contactId: string, variables: Record<string, unknown> = {}): OutboundRequest {
  return {
    orgId: 'org',
    contactId,
    initiator: 'automated',
    content: {
      template: 'recall-outreach',
      variables: { clinicName: 'Riverside', link: 'https://book.clinic.test/x', ...variables },
    },
    automation: 'campaign',
    requestId: 'campaign-1',
  };
}

function context(id: string, change: (c: PolicyContext) => void = () => {}): PolicyContext {
  const c: PolicyContext = {
    contact: {
      id,
      orgId: 'org',
      displayName: `Patient ${id}`,
      dateOfBirth: '1950-01-01',
      language: 'en',
      timeZone: 'America/Chicago',
      channelPreferences: [],
      externalId: id,
      tags: [],
      attributes: { note: id },
      createdAt: at('2026-01-01T00:00:00Z'),
      updatedAt: at('2026-01-01T00:00:00Z'),
    } as unknown as PolicyContext['contact'],
    identities: [
      {
        id: `${id}-phone`,
        orgId: 'org',
        contactId: id,
        kind: 'phone',
        address: `+1555${id.padStart(7, '0')}`,
        undeliverableAt: null,
        createdAt: at('2026-01-01T00:00:00Z'),
      },
    ],
    ledger: [
      {
        id: Number(id.replace(/\D/g, '') || 1),
        orgId: 'org',
        contactId: id,
        channel: 'sms',
        purpose: 'marketing',
        status: 'opted_in',
        source: 'import',
        evidenceMessageId: null,
        note: null,
        // Each patient opted in at her own moment: the times differ, the decision does not.
        recordedAt: at(`2026-0${(id.length % 8) + 1}-0${(id.length % 9) + 1}T10:00:00Z`),
      },
    ],
    verified: new Set(),
  };
  change(c);
  return c;
}

const keyOf = (id: string, change?: (c: PolicyContext) => void, variables?: Record<string, unknown>) =>
  decisionKey(deps, request(id, variables), context(id, change));

test('two patients who differ only in who they are, their address and when they opted in share a key', () => {
  expect(keyOf('1')).toBeDefined();
  expect(keyOf('22')).toBe(keyOf('1'));
  // An attribute the template does not declare never reaches the rendering.
  expect(keyOf('3', (c) => Object.assign(c.contact, { attributes: { other: 'x' } }))).toBe(keyOf('1'));
});

const differences: [string, (c: PolicyContext) => void][] = [
  ['another time zone (quiet hours)', (c) => Object.assign(c.contact, { timeZone: 'Asia/Tokyo' })],
  ['another language (wording)', (c) => Object.assign(c.contact, { language: 'es' })],
  ['no date of birth (no secure link possible)', (c) => Object.assign(c.contact, { dateOfBirth: null })],
  ['channel preferences', (c) => Object.assign(c.contact, { channelPreferences: ['email'] })],
  ['an undeliverable phone', (c) => Object.assign(c.identities[0]!, { undeliverableAt: at('2026-02-01') })],
  ['a verified identity', (c) => c.verified.add(c.identities[0]!.id)],
  ['an email as well', (c) => c.identities.push({ ...c.identities[0]!, id: 'e', kind: 'email' })],
  ['an opt-out instead', (c) => Object.assign(c.ledger[0]!, { status: 'opted_out' })],
  [
    'an opt-out recorded at the same moment as the opt-in (a tie the opt-out wins)',
    (c) => c.ledger.push({ ...c.ledger[0]!, id: 99, status: 'opted_out' }),
  ],
  [
    'an older opt-out under the newer opt-in',
    (c) => c.ledger.push({ ...c.ledger[0]!, id: 98, status: 'opted_out', recordedAt: at('2025-01-01') }),
  ],
  ['another organisation', (c) => Object.assign(c.contact, { orgId: 'other' })],
];

test.each(differences)('a difference the policy reads changes the key: %s', (_, change) => {
  expect(keyOf('1', change)).not.toBe(keyOf('1'));
});

// The preview groups recipients by PolicyInputs computed in SQL (policy-input-groups.ts, whose
// integration test stores each of these cases): the inputs must hold every difference, and the key
// made from them must be the key made from the context.
test.each(differences)('a difference the policy reads changes the policy inputs: %s', (_, change) => {
  expect(policyInputsOf(context('1', change))).not.toEqual(policyInputsOf(context('1')));
});

test('the key from the policy inputs is the key from the context, and twins have the same inputs', () => {
  expect(policyInputsOf(context('22'))).toEqual(policyInputsOf(context('1')));
  for (const [, change] of differences) {
    const changed = context('1', change);
    expect(decisionKeyOf(deps, request('1'), policyInputsOf(changed))).toBe(
      decisionKey(deps, request('1'), changed),
    );
  }
});

test('a declared variable with another value changes the key (the rendering check sees it)', () => {
  expect(keyOf('1', undefined, { link: '' })).not.toBe(keyOf('1'));
  expect(keyOf('1', undefined, { link: 'https://book.clinic.test/y' })).not.toBe(keyOf('1'));
});

test('a reply to a patient message, or a send in a given conversation, is decided alone', () => {
  expect(
    decisionKey(
      deps,
      { ...request('1'), answers: { messageId: 'm', channel: 'sms' } } as OutboundRequest,
      context('1'),
    ),
  ).toBeUndefined();
  expect(decisionKey(deps, { ...request('1'), conversationId: 'c' }, context('1'))).toBeUndefined();
  expect(decisionKey(deps, request('1'), undefined)).toBeUndefined();
});

test('an opt-out tied with the opt-in and an older opt-out are different cases', () => {
  const tied = keyOf('1', (c) => c.ledger.push({ ...c.ledger[0]!, id: 99, status: 'opted_out' }));
  const older = keyOf('1', (c) =>
    c.ledger.push({ ...c.ledger[0]!, id: 98, status: 'opted_out', recordedAt: at('2025-01-01') }),
  );
  expect(tied).not.toBe(older);
});

test("a campaign sent in each patient's morning is another case than one sent in the default window", () => {
  const morning = { ...request('1'), sendingWindow: { start: '09:00', end: '12:00' } };
  expect(decisionKey(deps, morning, context('1'))).not.toBe(keyOf('1'));
});
