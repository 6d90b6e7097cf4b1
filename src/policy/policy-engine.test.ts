import { effectiveMaxSensitivity, type Sensitivity, sensitivityRank } from './channel-capabilities';
import { declareShippedChannelLabels } from './declared-channel-labels.test-support';
import {
  type ConsentRecord,
  type ContactChannel,
  decidePolicy,
  type Initiator,
  type PolicyDecision,
  type PolicyInput,
  type Purpose,
} from './policy-engine';
import { morningSendingWindow } from './quiet-hours';

// The sentences name channels as their adapters declare; no hub (no registry) runs here.
declareShippedChannelLabels();

// 2026-06-15: America/Chicago is CDT (-05:00), America/New_York is EDT (-04:00).
const middayChicago = new Date('2026-06-15T15:00:00Z'); // 10:00 Chicago
const lateChicago = new Date('2026-06-16T04:30:00Z'); // 23:30 Chicago
const nextMorningChicago = new Date('2026-06-16T13:00:00Z'); // 08:00 Chicago

/** The ceilings the hub's adapters declare (checked on them in test/integration/channel-capabilities.test.ts). */
const DECLARED: Readonly<Record<string, Sensitivity>> = {
  sms: 'limited',
  email: 'limited',
  voice: 'limited',
  securelink: 'phi',
  webchat: 'limited',
  botframework: 'limited',
};

// The fallback ranks the shipped adapters declare (channels/*; checked against the real adapters
// in test/integration/channel-capabilities.test.ts).
const FALLBACK_RANK: Record<string, number> = {
  sms: 10,
  email: 20,
  voice: 30,
  webchat: 40,
  botframework: 50,
};

function channel(name: string, overrides: Partial<ContactChannel> = {}): ContactChannel {
  return {
    channel: name,
    hasAddress: true,
    undeliverable: false,
    maxSensitivity: effectiveMaxSensitivity({ channel: name, declared: DECLARED[name] ?? 'public' }),
    // As the voice adapter declares: a link cannot be followed from a call.
    carriesSecureLinkNotice: name !== 'voice',
    ...(FALLBACK_RANK[name] !== undefined ? { fallbackRank: FALLBACK_RANK[name] } : {}),
    ...overrides,
  };
}

function consent(
  channelName: string,
  purpose: ConsentRecord['purpose'],
  status: ConsentRecord['status'],
  iso = '2026-01-01T00:00:00Z',
): ConsentRecord {
  return { channel: channelName, purpose, status, recordedAt: new Date(iso) };
}

interface Scenario {
  contact?: Partial<PolicyInput['contact']>;
  consents?: ConsentRecord[];
  sensitivity?: Sensitivity;
  purpose?: Purpose;
  initiator?: Initiator;
  urgent?: boolean;
  requestedChannel?: string;
  secureLinkAvailable?: boolean;
  clinicTimeZone?: string;
  now?: Date;
  sendingWindow?: PolicyInput['sendingWindow'];
}

function input(s: Scenario): PolicyInput {
  return {
    contact: { timeZone: 'America/Chicago', channels: [channel('sms'), channel('email')], ...s.contact },
    consents: s.consents ?? [],
    content: { sensitivity: s.sensitivity ?? 'limited', purpose: s.purpose ?? 'care' },
    initiator: s.initiator ?? 'automated',
    ...(s.urgent !== undefined ? { urgent: s.urgent } : {}),
    ...(s.requestedChannel !== undefined ? { requestedChannel: s.requestedChannel } : {}),
    secureLinkAvailable: s.secureLinkAvailable ?? true,
    clinicTimeZone: s.clinicTimeZone ?? 'America/New_York',
    now: s.now ?? middayChicago,
    ...(s.sendingWindow ? { sendingWindow: s.sendingWindow } : {}),
  };
}

interface Expected {
  allowed: boolean;
  channel?: string;
  securedVia?: 'securelink';
  scheduledFor?: Date;
  code?: PolicyDecision['code'];
  /** Substrings that must each appear in some reason. */
  reasons?: string[];
}

function expectDecision(decision: PolicyDecision, expected: Expected) {
  expect({
    allowed: decision.allowed,
    channel: decision.channel,
    securedVia: decision.securedVia,
    scheduledFor: decision.scheduledFor?.toISOString(),
    code: decision.code,
  }).toEqual({
    allowed: expected.allowed,
    channel: expected.channel,
    securedVia: expected.securedVia,
    scheduledFor: expected.scheduledFor?.toISOString(),
    code: expected.code,
  });
  expect(decision.reasons.length).toBeGreaterThan(0);
  for (const fragment of expected.reasons ?? []) {
    expect(decision.reasons.some((r) => r.includes(fragment))).toBe(true);
  }
}

const smsOnly = { channels: [channel('sms')] };
const unverifiedWebchat = channel('webchat', {
  verifiedSession: false,
  maxSensitivity: effectiveMaxSensitivity({
    channel: 'webchat',
    declared: 'limited',
    verifiedSession: false,
  }),
});
const emailAcceptedPhi = channel('email', {
  maxSensitivity: effectiveMaxSensitivity({
    channel: 'email',
    declared: 'limited',
    patientAcceptedUnencryptedPhi: true,
  }),
});

describe('decidePolicy: consent', () => {
  test.each<[string, Scenario, Expected]>([
    [
      'care, no ledger rows: first channel',
      {},
      { allowed: true, channel: 'sms', reasons: ['will go by SMS'] },
    ],
    [
      'automated, opted out of SMS: falls back to email',
      { consents: [consent('sms', 'all', 'opted_out')] },
      { allowed: true, channel: 'email', reasons: ['blocked: opted out of SMS', 'will go by email'] },
    ],
    [
      'staff reply on SMS, opted out of SMS: refused, not moved to email',
      { initiator: 'staff_reply', requestedChannel: 'sms', consents: [consent('sms', 'all', 'opted_out')] },
      { allowed: false, code: 'consent_opted_out', reasons: ['blocked: opted out of SMS', 'stays on SMS'] },
    ],
    [
      'staff reply on SMS, not opted out',
      { initiator: 'staff_reply', requestedChannel: 'sms' },
      { allowed: true, channel: 'sms' },
    ],
    [
      'staff reply with no requested channel falls back like an automated message',
      { initiator: 'staff_reply', consents: [consent('sms', 'care', 'opted_out')] },
      { allowed: true, channel: 'email' },
    ],
    [
      'opted out everywhere',
      { consents: [consent('sms', 'all', 'opted_out'), consent('email', 'care', 'opted_out')] },
      {
        allowed: false,
        code: 'consent_opted_out',
        reasons: ['blocked: opted out of SMS', 'blocked: opted out of email'],
      },
    ],
    [
      'an opt-out for marketing only does not stop care',
      { consents: [consent('sms', 'marketing', 'opted_out')] },
      { allowed: true, channel: 'sms' },
    ],
    [
      'an opt-out for administrative does not stop care',
      { consents: [consent('sms', 'administrative', 'opted_out')] },
      { allowed: true, channel: 'sms' },
    ],
    [
      'an opt-out for administrative stops administrative',
      { purpose: 'administrative', consents: [consent('sms', 'administrative', 'opted_out')] },
      { allowed: true, channel: 'email', reasons: ['blocked: opted out of SMS'] },
    ],
    [
      'a later opt-in for care lifts an opt-out for all, for care',
      {
        consents: [
          consent('sms', 'care', 'opted_in', '2026-02-01T00:00:00Z'),
          consent('sms', 'all', 'opted_out'),
        ],
      },
      { allowed: true, channel: 'sms' },
    ],
    [
      'a later opt-out beats an earlier opt-in whatever the row order',
      {
        consents: [
          consent('sms', 'all', 'opted_out', '2026-03-01T00:00:00Z'),
          consent('sms', 'all', 'opted_in'),
        ],
        contact: smsOnly,
      },
      { allowed: false, code: 'consent_opted_out' },
    ],
    [
      'same timestamp: the opt-out wins',
      { consents: [consent('sms', 'all', 'opted_in'), consent('sms', 'all', 'opted_out')], contact: smsOnly },
      { allowed: false, code: 'consent_opted_out' },
    ],
    [
      'an opt-out on another channel does not count',
      { consents: [consent('email', 'all', 'opted_out')], contact: smsOnly },
      { allowed: true, channel: 'sms' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: marketing', () => {
  test.each<[string, Scenario, Expected]>([
    [
      'marketing without any opt-in',
      { purpose: 'marketing' },
      { allowed: false, code: 'marketing_requires_opt_in', reasons: ['no marketing opt-in on SMS'] },
    ],
    [
      'marketing with an opt-in for marketing on email',
      { purpose: 'marketing', consents: [consent('email', 'marketing', 'opted_in')] },
      { allowed: true, channel: 'email', reasons: ['marketing opt-in on email'] },
    ],
    [
      'marketing with an opt-in for all on SMS',
      { purpose: 'marketing', consents: [consent('sms', 'all', 'opted_in')] },
      { allowed: true, channel: 'sms' },
    ],
    [
      'an opt-in for care is not an opt-in for marketing',
      { purpose: 'marketing', consents: [consent('sms', 'care', 'opted_in')] },
      { allowed: false, code: 'marketing_requires_opt_in' },
    ],
    [
      'a marketing opt-in later withdrawn by STOP',
      {
        purpose: 'marketing',
        consents: [
          consent('sms', 'all', 'opted_out', '2026-05-01T00:00:00Z'),
          consent('sms', 'marketing', 'opted_in'),
        ],
      },
      { allowed: false, code: 'consent_opted_out' },
    ],
    [
      'an emergency label does not override an opt-out for marketing',
      {
        purpose: 'marketing',
        initiator: 'emergency_safety',
        requestedChannel: 'sms',
        consents: [consent('sms', 'all', 'opted_out')],
      },
      { allowed: false, code: 'consent_opted_out' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: sensitivity and channels', () => {
  test.each<[string, Scenario, Expected]>([
    [
      'PHI to an SMS-only contact: secure link via SMS',
      { sensitivity: 'phi', contact: smsOnly },
      {
        allowed: true,
        channel: 'sms',
        securedVia: 'securelink',
        reasons: ['will go as a secure link: contains PHI'],
      },
    ],
    [
      'PHI to a contact who accepted unencrypted PHI on email: plain email',
      {
        sensitivity: 'phi',
        contact: { channels: [channel('sms'), emailAcceptedPhi], channelPreferences: ['email'] },
      },
      { allowed: true, channel: 'email' },
    ],
    [
      'the acceptance on email does not raise SMS: SMS first still goes as a secure link',
      { sensitivity: 'phi', contact: { channels: [channel('sms'), emailAcceptedPhi] } },
      { allowed: true, channel: 'sms', securedVia: 'securelink' },
    ],
    [
      'PHI with no secure link available and no channel that may carry it',
      { sensitivity: 'phi', secureLinkAvailable: false },
      { allowed: false, code: 'no_channel_allowed', reasons: ['no secure link is available'] },
    ],
    [
      'PHI with no secure link: falls past SMS to the email the patient accepted PHI on',
      {
        sensitivity: 'phi',
        secureLinkAvailable: false,
        contact: { channels: [channel('sms'), emailAcceptedPhi] },
      },
      { allowed: true, channel: 'email', reasons: ['skipped SMS'] },
    ],
    [
      'limited content goes plain on SMS',
      { sensitivity: 'limited', contact: smsOnly },
      { allowed: true, channel: 'sms' },
    ],
    [
      'limited content on a channel the clinic lowered to public goes as a secure link',
      { sensitivity: 'limited', contact: { channels: [channel('sms', { maxSensitivity: 'public' })] } },
      { allowed: true, channel: 'sms', securedVia: 'securelink' },
    ],
    [
      'PHI in a verified web chat session goes plain',
      {
        sensitivity: 'phi',
        requestedChannel: 'webchat',
        initiator: 'staff_reply',
        contact: {
          channels: [
            channel('webchat', {
              maxSensitivity: effectiveMaxSensitivity({
                channel: 'webchat',
                declared: 'limited',
                verifiedSession: true,
              }),
            }),
          ],
        },
      },
      { allowed: true, channel: 'webchat' },
    ],
    [
      'PHI in an unverified web chat session, no secure link possible: refused, and the reason says why',
      {
        sensitivity: 'phi',
        requestedChannel: 'webchat',
        initiator: 'staff_reply',
        secureLinkAvailable: false,
        contact: { channels: [unverifiedWebchat] },
      },
      {
        allowed: false,
        code: 'no_channel_allowed',
        reasons: ['skipped web chat: it may not carry PHI in an unverified session', 'stays on web chat'],
      },
    ],
    [
      'PHI in an unverified web chat session with a date of birth on file: a secure-link notice in the chat',
      {
        sensitivity: 'phi',
        requestedChannel: 'webchat',
        initiator: 'staff_reply',
        contact: { channels: [unverifiedWebchat] },
      },
      {
        allowed: true,
        channel: 'webchat',
        securedVia: 'securelink',
        reasons: ['web chat may not carry in an unverified session'],
      },
    ],
    [
      'limited content in an unverified web chat session goes plain',
      {
        sensitivity: 'limited',
        requestedChannel: 'webchat',
        initiator: 'staff_reply',
        contact: { channels: [unverifiedWebchat] },
      },
      { allowed: true, channel: 'webchat' },
    ],
    [
      'PHI in a verified web chat session the clinic capped at limited: secure link',
      {
        sensitivity: 'phi',
        requestedChannel: 'webchat',
        initiator: 'staff_reply',
        contact: {
          channels: [
            channel('webchat', {
              verifiedSession: true,
              maxSensitivity: effectiveMaxSensitivity({
                channel: 'webchat',
                declared: 'limited',
                verifiedSession: true,
                clinicOverrides: { webchat: 'limited' },
              }),
            }),
          ],
        },
      },
      { allowed: true, channel: 'webchat', securedVia: 'securelink' },
    ],
    [
      'PHI for a voice-only contact: a secure link cannot be spoken',
      { sensitivity: 'phi', contact: { channels: [channel('voice')] } },
      { allowed: false, code: 'no_channel_allowed', reasons: ['cannot deliver a secure link'] },
    ],
    [
      'staff reply with PHI on SMS and no secure link: refused, not moved',
      {
        sensitivity: 'phi',
        initiator: 'staff_reply',
        requestedChannel: 'sms',
        secureLinkAvailable: false,
        contact: { channels: [channel('sms'), emailAcceptedPhi] },
      },
      { allowed: false, code: 'no_channel_allowed' },
    ],
    [
      'opted out of SMS and email cannot carry PHI without a link: sensitivity is what stopped it',
      { sensitivity: 'phi', secureLinkAvailable: false, consents: [consent('sms', 'all', 'opted_out')] },
      { allowed: false, code: 'no_channel_allowed' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: addresses and order', () => {
  test.each<[string, Scenario, Expected]>([
    [
      'undeliverable email falls back to SMS',
      {
        contact: {
          channelPreferences: ['email'],
          channels: [channel('email', { undeliverable: true }), channel('sms')],
        },
      },
      { allowed: true, channel: 'sms', reasons: ['skipped email: address marked undeliverable'] },
    ],
    [
      'preferences come first',
      { contact: { channelPreferences: ['email', 'sms'] } },
      { allowed: true, channel: 'email' },
    ],
    [
      'the requested channel comes before preferences',
      { requestedChannel: 'sms', contact: { channelPreferences: ['email'] } },
      { allowed: true, channel: 'sms' },
    ],
    [
      'a preferred channel without an address is skipped',
      { contact: { channelPreferences: ['webchat'] } },
      { allowed: true, channel: 'sms', reasons: ['skipped web chat: no address'] },
    ],
    [
      'fallback order is sms, email, voice, webchat, botframework, then others',
      {
        contact: {
          channels: [
            channel('fax', { maxSensitivity: 'limited' }),
            channel('botframework'),
            channel('voice'),
          ],
        },
      },
      { allowed: true, channel: 'voice' },
    ],
    [
      'a channel outside the known list is still a candidate',
      { contact: { channels: [channel('fax', { maxSensitivity: 'limited' })] } },
      { allowed: true, channel: 'fax' },
    ],
    [
      'a channel with hasAddress false is not a fallback',
      { contact: { channels: [channel('sms', { hasAddress: false }), channel('email')] } },
      { allowed: true, channel: 'email' },
    ],
    ['no addresses at all', { contact: { channels: [] } }, { allowed: false, code: 'no_address' }],
    [
      'channels listed but none with an address',
      { contact: { channels: [channel('sms', { hasAddress: false })] } },
      { allowed: false, code: 'no_address' },
    ],
    [
      'every address undeliverable',
      {
        contact: {
          channels: [channel('sms', { undeliverable: true }), channel('email', { undeliverable: true })],
        },
      },
      { allowed: false, code: 'no_address' },
    ],
    [
      'staff reply on SMS whose number is undeliverable: refused, not moved to email',
      {
        initiator: 'staff_reply',
        requestedChannel: 'sms',
        contact: { channels: [channel('sms', { undeliverable: true }), channel('email')] },
      },
      { allowed: false, code: 'no_address' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: quiet hours', () => {
  test.each<[string, Scenario, Expected]>([
    ['automated at 10:00 local goes now', {}, { allowed: true, channel: 'sms' }],
    [
      'automated at 23:30 local: deferred to 08:00 local',
      { now: lateChicago },
      {
        allowed: true,
        channel: 'sms',
        scheduledFor: nextMorningChicago,
        reasons: ['deferred to 08:00 America/Chicago on 2026-06-16: quiet hours'],
      },
    ],
    [
      'automated at 06:00 local: deferred to 08:00 the same day',
      { now: new Date('2026-06-15T11:00:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-06-15T13:00:00Z') },
    ],
    [
      'contact time zone unknown: the clinic zone decides (23:30 New York)',
      { contact: { timeZone: null }, now: new Date('2026-06-16T03:30:00Z') },
      {
        allowed: true,
        channel: 'sms',
        scheduledFor: new Date('2026-06-16T12:00:00Z'),
        reasons: ["quiet hours use the clinic's (America/New_York)", 'deferred to 08:00 America/New_York'],
      },
    ],
    [
      'contact time zone invalid: the clinic zone decides',
      { contact: { timeZone: 'Central Time' }, now: new Date('2026-06-16T03:30:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-06-16T12:00:00Z') },
    ],
    [
      'contact unknown zone, 22:30 in Chicago but 23:30 in the clinic zone: clinic zone wins',
      { contact: { timeZone: undefined }, now: new Date('2026-06-16T03:30:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-06-16T12:00:00Z') },
    ],
    [
      'contact in Chicago at 20:30 while the clinic in New York is at 21:30: contact zone wins',
      { now: new Date('2026-06-16T01:30:00Z') },
      { allowed: true, channel: 'sms' },
    ],
    [
      'the night DST starts in New York: 23:30 EST -> 08:00 EDT',
      { contact: { timeZone: 'America/New_York' }, now: new Date('2026-03-08T04:30:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-03-08T12:00:00Z') },
    ],
    [
      'the night DST ends in New York: 23:30 EDT -> 08:00 EST',
      { contact: { timeZone: 'America/New_York' }, now: new Date('2026-11-01T03:30:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-11-01T13:00:00Z') },
    ],
    [
      'the night DST ends, in the repeated hour (second 01:30)',
      { contact: { timeZone: 'America/New_York' }, now: new Date('2026-11-01T06:30:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-11-01T13:00:00Z') },
    ],
    [
      'a half-hour zone: 23:30 in Kolkata -> 08:00 IST',
      { contact: { timeZone: 'Asia/Kolkata' }, now: new Date('2026-06-15T18:00:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-06-16T02:30:00Z') },
    ],
    [
      'urgent automated at 23:30 is not deferred',
      { now: lateChicago, urgent: true },
      { allowed: true, channel: 'sms', reasons: ['marked urgent'] },
    ],
    [
      'staff reply at 23:30 is not deferred',
      { now: lateChicago, initiator: 'staff_reply', requestedChannel: 'sms' },
      { allowed: true, channel: 'sms', reasons: ['staff replies are never deferred'] },
    ],
    [
      'a secured, deferred automated message says both',
      { now: lateChicago, sensitivity: 'phi', contact: smsOnly },
      {
        allowed: true,
        channel: 'sms',
        securedVia: 'securelink',
        scheduledFor: nextMorningChicago,
        reasons: ['secure link', 'quiet hours'],
      },
    ],
    [
      "in the patient's morning, at 10:00 local: goes now",
      { sendingWindow: morningSendingWindow },
      { allowed: true, channel: 'sms' },
    ],
    [
      "in the patient's morning, at 15:00 local: deferred to 09:00 the next day",
      { sendingWindow: morningSendingWindow, now: new Date('2026-06-15T20:00:00Z') },
      {
        allowed: true,
        channel: 'sms',
        scheduledFor: new Date('2026-06-16T14:00:00Z'),
        reasons: [
          "deferred to 09:00 America/Chicago on 2026-06-16: the patient's morning (sending window 09:00–12:00",
        ],
      },
    ],
    [
      "in the patient's morning, at 06:00 local: deferred to 09:00 the same day",
      { sendingWindow: morningSendingWindow, now: new Date('2026-06-15T11:00:00Z') },
      { allowed: true, channel: 'sms', scheduledFor: new Date('2026-06-15T14:00:00Z') },
    ],
    [
      'a staff reply keeps the default window whatever window is asked',
      {
        sendingWindow: morningSendingWindow,
        now: new Date('2026-06-15T20:00:00Z'),
        initiator: 'staff_reply',
        requestedChannel: 'sms',
      },
      { allowed: true, channel: 'sms' },
    ],
    [
      'a refused message is not scheduled',
      { now: lateChicago, purpose: 'marketing' },
      { allowed: false, code: 'marketing_requires_opt_in' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: answers to the patient (carrier keywords, replies on another channel)', () => {
  const optOutBy = (messageId: string, iso?: string) => ({
    ...consent('sms', 'all', 'opted_out', iso),
    evidenceMessageId: messageId,
  });
  const keywordReply = (overrides: Partial<PolicyInput> = {}): PolicyInput => ({
    ...input({ initiator: 'carrier_keyword_reply', requestedChannel: 'sms', purpose: 'administrative' }),
    answers: { channel: 'sms', messageId: 'stop-1', carrierKeyword: 'opt_out' },
    ...overrides,
  });

  test('a STOP confirmation goes through the opt-out that very STOP recorded', () => {
    const decision = decidePolicy(keywordReply({ consents: [optOutBy('stop-1')] }));
    expectDecision(decision, {
      allowed: true,
      channel: 'sms',
      reasons: ['it confirms the opt-out the patient just sent, once'],
    });
  });

  test('it is not let through by an opt-out another message recorded: once, not again', () => {
    const decision = decidePolicy(keywordReply({ consents: [optOutBy('stop-0')] }));
    expectDecision(decision, { allowed: false, code: 'consent_opted_out' });
  });

  test('HELP is answered on the keyword channel even to an opted-out number', () => {
    const decision = decidePolicy(
      keywordReply({
        consents: [optOutBy('stop-0')],
        answers: { channel: 'sms', messageId: 'help-1', carrierKeyword: 'help' },
      }),
    );
    expectDecision(decision, {
      allowed: true,
      channel: 'sms',
      reasons: ['carriers require an answer to HELP'],
    });
  });

  test('a keyword reply stays on the keyword channel, is never deferred, and never becomes marketing', () => {
    const noSms = decidePolicy(
      keywordReply({
        contact: {
          timeZone: 'America/Chicago',
          channels: [channel('sms', { hasAddress: false }), channel('email')],
        },
      }),
    );
    expectDecision(noSms, { allowed: false, code: 'no_address' });
    expect(noSms.considered).toContainEqual({
      channel: 'email',
      verdict: "not tried: a carrier keyword reply stays on the keyword's channel",
    });
    expectDecision(decidePolicy(keywordReply({ now: lateChicago, consents: [optOutBy('stop-1')] })), {
      allowed: true,
      channel: 'sms',
      reasons: ['carrier keyword replies are never deferred'],
    });
    const marketing = keywordReply({ consents: [optOutBy('stop-1')] });
    marketing.content = { sensitivity: 'public', purpose: 'marketing' };
    expectDecision(decidePolicy(marketing), { allowed: false, code: 'consent_opted_out' });
  });

  test('an emergency reply sets aside an opt-out only on the channel the patient wrote on (voicemail -> SMS)', () => {
    const decision = decidePolicy({
      ...input({ initiator: 'emergency_safety', requestedChannel: 'sms', consents: [optOutBy('stop-0')] }),
      answers: { channel: 'voice', messageId: 'voicemail-1' },
    });
    expectDecision(decision, { allowed: true, channel: 'email', reasons: ['blocked: opted out of SMS'] });
  });
});

describe('decidePolicy: emergency safety', () => {
  test.each<[string, Scenario, Expected]>([
    [
      'goes on the channel the patient wrote on, even after an opt-out there',
      {
        initiator: 'emergency_safety',
        requestedChannel: 'sms',
        consents: [consent('sms', 'all', 'opted_out')],
      },
      { allowed: true, channel: 'sms', reasons: ['emergency safety reply answers the patient'] },
    ],
    [
      'is never deferred, even at 23:30',
      {
        initiator: 'emergency_safety',
        requestedChannel: 'sms',
        now: lateChicago,
        consents: [consent('sms', 'all', 'opted_out')],
      },
      { allowed: true, channel: 'sms', reasons: ['emergency safety messages are never deferred'] },
    ],
    [
      'the opt-out override covers only the channel the patient wrote on',
      { initiator: 'emergency_safety', consents: [consent('sms', 'all', 'opted_out')] },
      { allowed: true, channel: 'email', reasons: ['blocked: opted out of SMS'] },
    ],
    [
      'still never puts PHI in the clear: secure link on the channel written on',
      {
        initiator: 'emergency_safety',
        requestedChannel: 'sms',
        sensitivity: 'phi',
        consents: [consent('sms', 'all', 'opted_out')],
      },
      { allowed: true, channel: 'sms', securedVia: 'securelink' },
    ],
    [
      'falls back rather than being dropped when the channel written on is undeliverable',
      {
        initiator: 'emergency_safety',
        requestedChannel: 'sms',
        contact: { channels: [channel('sms', { undeliverable: true }), channel('email')] },
      },
      { allowed: true, channel: 'email' },
    ],
  ])('%s', (_name, scenario, expected) => {
    expectDecision(decidePolicy(input(scenario)), expected);
  });
});

describe('decidePolicy: considered', () => {
  test('lists every candidate with a verdict, in order', () => {
    const decision = decidePolicy(
      input({
        contact: {
          channelPreferences: ['webchat'],
          channels: [channel('sms'), channel('email'), channel('voice')],
        },
        consents: [consent('sms', 'all', 'opted_out')],
      }),
    );
    expect(decision.considered).toEqual([
      { channel: 'webchat', verdict: 'no address' },
      { channel: 'sms', verdict: 'opted out (all messages)' },
      { channel: 'email', verdict: 'used' },
      { channel: 'voice', verdict: 'not tried: email was used' },
    ]);
  });

  test('a pinned staff reply lists the channels it would not move to', () => {
    const decision = decidePolicy(
      input({
        initiator: 'staff_reply',
        requestedChannel: 'sms',
        consents: [consent('sms', 'all', 'opted_out')],
      }),
    );
    expect(decision.considered).toEqual([
      { channel: 'sms', verdict: 'opted out (all messages)' },
      { channel: 'email', verdict: 'not tried: a staff reply stays on the conversation channel' },
    ]);
  });

  test('an invalid clinic time zone is a configuration error, not a silent guess', () => {
    expect(() =>
      decidePolicy(input({ contact: { timeZone: null }, clinicTimeZone: 'Clinic/Local' })),
    ).toThrow(expect.objectContaining({ code: 'invalid_time_zone' }));
  });

  test('is pure: the same input gives the same decision', () => {
    const scenario = input({ now: lateChicago, sensitivity: 'phi' });
    expect(decidePolicy(scenario)).toEqual(decidePolicy(scenario));
  });
});

// Every combination of consent x sensitivity x channel set x initiator x clock, checked against the
// invariants the policy exists to guarantee.
describe('decidePolicy: invariants over the whole grid', () => {
  const consentSets: [string, ConsentRecord[]][] = [
    ['none', []],
    ['sms opted out', [consent('sms', 'all', 'opted_out')]],
    ['email opted out for care', [consent('email', 'care', 'opted_out')]],
    ['both opted out', [consent('sms', 'all', 'opted_out'), consent('email', 'all', 'opted_out')]],
    ['marketing opt-in on email', [consent('email', 'marketing', 'opted_in')]],
  ];
  const channelSets: [string, ContactChannel[]][] = [
    ['sms+email', [channel('sms'), channel('email')]],
    ['sms only', [channel('sms')]],
    ['email accepted phi', [channel('sms'), emailAcceptedPhi]],
    ['email undeliverable', [channel('sms'), channel('email', { undeliverable: true })]],
    ['voice only', [channel('voice')]],
    ['none', []],
  ];
  const sensitivities: Sensitivity[] = ['public', 'limited', 'phi'];
  const purposes: Purpose[] = ['care', 'marketing'];
  const initiators: [Initiator, boolean][] = [
    ['automated', false],
    ['automated', true],
    ['staff_reply', false],
    ['emergency_safety', false],
  ];
  const clocks: Date[] = [middayChicago, lateChicago];

  const grid: [string, PolicyInput][] = [];
  for (const [consentName, consents] of consentSets)
    for (const [channelName, channels] of channelSets)
      for (const sensitivity of sensitivities)
        for (const purpose of purposes)
          for (const [initiator, urgent] of initiators)
            for (const now of clocks)
              for (const secureLinkAvailable of [true, false]) {
                const requested = initiator === 'automated' ? {} : { requestedChannel: 'sms' };
                grid.push([
                  `${consentName} / ${channelName} / ${sensitivity} ${purpose} / ${initiator}${urgent ? ' urgent' : ''} / ${now.toISOString()} / link ${secureLinkAvailable}`,
                  {
                    ...input({
                      consents,
                      sensitivity,
                      purpose,
                      initiator,
                      urgent,
                      now,
                      secureLinkAvailable,
                      ...requested,
                    }),
                    contact: { timeZone: 'America/Chicago', channels },
                  },
                ]);
              }

  test.each(grid)('%s', (_name, policyInput) => {
    const decision = decidePolicy(policyInput);
    expect(decision.reasons.length).toBeGreaterThan(0);
    expect(decision.reasons.every((r) => r.length > 0)).toBe(true);
    if (!decision.allowed) {
      expect(decision.code).toBeDefined();
      expect(decision.channel).toBeUndefined();
      expect(decision.scheduledFor).toBeUndefined();
      return;
    }
    expect(decision.code).toBeUndefined();
    const used = policyInput.contact.channels.find((c) => c.channel === decision.channel);
    expect(used?.hasAddress && !used.undeliverable).toBe(true);
    if (!used) return;
    // PHI never leaves on a channel that may not carry it: either it fits, or it is behind a link.
    if (decision.securedVia) expect(policyInput.secureLinkAvailable).toBe(true);
    else
      expect(sensitivityRank[policyInput.content.sensitivity]).toBeLessThanOrEqual(
        sensitivityRank[used.maxSensitivity],
      );
    // Nothing goes on an opted-out channel except an emergency reply on the channel written on.
    const optedOut = policyInput.consents.some((c) => c.channel === used.channel && c.status === 'opted_out');
    if (optedOut) {
      expect(policyInput.initiator).toBe('emergency_safety');
      expect(decision.channel).toBe(policyInput.requestedChannel);
    }
    if (policyInput.content.purpose === 'marketing') {
      expect(
        policyInput.consents.some(
          (c) => c.channel === used.channel && c.status === 'opted_in' && c.purpose !== 'care',
        ),
      ).toBe(true);
    }
    // Only automated, non-urgent messages are ever deferred, and only at night.
    if (decision.scheduledFor) {
      expect(policyInput.initiator).toBe('automated');
      expect(policyInput.urgent).toBe(false);
      expect(policyInput.now).toBe(lateChicago);
      expect(decision.scheduledFor.toISOString()).toBe(nextMorningChicago.toISOString());
    } else if (policyInput.initiator === 'automated' && !policyInput.urgent) {
      expect(policyInput.now).toBe(middayChicago);
    }
    // A staff reply never leaves the conversation's channel.
    if (policyInput.initiator === 'staff_reply') expect(decision.channel).toBe(policyInput.requestedChannel);
  });
});
