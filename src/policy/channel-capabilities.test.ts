import {
  type ChannelCapabilityInput,
  canCarry,
  effectiveMaxSensitivity,
  type Sensitivity,
  sensitivityRank,
} from './channel-capabilities';

/**
 * The ceilings the hub's channel adapters declare (test/integration/channel-capabilities.test.ts
 * checks them on the running adapters); a channel not listed stands for one that declares `public`.
 */
const DECLARED: Readonly<Record<string, Sensitivity>> = {
  sms: 'limited',
  email: 'limited',
  voice: 'limited',
  securelink: 'phi',
  webchat: 'limited',
  botframework: 'limited',
};

describe('sensitivityRank and canCarry', () => {
  test('ranks public < limited < phi', () => {
    expect(sensitivityRank.public).toBeLessThan(sensitivityRank.limited);
    expect(sensitivityRank.limited).toBeLessThan(sensitivityRank.phi);
  });

  test.each<[Sensitivity, Sensitivity, boolean]>([
    ['public', 'public', true],
    ['public', 'limited', false],
    ['public', 'phi', false],
    ['limited', 'public', true],
    ['limited', 'limited', true],
    ['limited', 'phi', false],
    ['phi', 'public', true],
    ['phi', 'limited', true],
    ['phi', 'phi', true],
  ])('a %s channel carries %s content: %p', (max, content, expected) => {
    expect(canCarry(max, content)).toBe(expected);
  });
});

describe('effectiveMaxSensitivity', () => {
  test.each<[string, Omit<ChannelCapabilityInput, 'declared'>, Sensitivity]>([
    ['sms default', { channel: 'sms' }, 'limited'],
    ['email default', { channel: 'email' }, 'limited'],
    ['voice default', { channel: 'voice' }, 'limited'],
    ['securelink default', { channel: 'securelink' }, 'phi'],
    ['botframework default', { channel: 'botframework' }, 'limited'],
    ['webchat unverified', { channel: 'webchat' }, 'limited'],
    ['webchat verified', { channel: 'webchat', verifiedSession: true }, 'phi'],
    ['a channel that declares public carries only public content', { channel: 'fax' }, 'public'],
    ['clinic override lowers sms', { channel: 'sms', clinicOverrides: { sms: 'public' } }, 'public'],
    ['clinic override raises email', { channel: 'email', clinicOverrides: { email: 'phi' } }, 'phi'],
    [
      'override for another channel does not apply',
      { channel: 'sms', clinicOverrides: { email: 'phi' } },
      'limited',
    ],
    [
      'clinic override classifies an unknown channel',
      { channel: 'fax', clinicOverrides: { fax: 'limited' } },
      'limited',
    ],
    [
      'clinic override lowers verified webchat',
      { channel: 'webchat', verifiedSession: true, clinicOverrides: { webchat: 'limited' } },
      'limited',
    ],
    [
      'clinic override cannot lift an unverified webchat session above limited',
      { channel: 'webchat', clinicOverrides: { webchat: 'phi' } },
      'limited',
    ],
    [
      'patient accepted unencrypted PHI on email',
      { channel: 'email', patientAcceptedUnencryptedPhi: true },
      'phi',
    ],
    [
      'patient accepted unencrypted PHI on sms',
      { channel: 'sms', patientAcceptedUnencryptedPhi: true },
      'phi',
    ],
    [
      'acceptance raises even a clinic-lowered channel for that patient',
      { channel: 'email', clinicOverrides: { email: 'public' }, patientAcceptedUnencryptedPhi: true },
      'phi',
    ],
    [
      'acceptance does not vouch for an unverified webchat session',
      { channel: 'webchat', patientAcceptedUnencryptedPhi: true },
      'limited',
    ],
    [
      'acceptance explicitly false changes nothing',
      { channel: 'email', patientAcceptedUnencryptedPhi: false },
      'limited',
    ],
  ])('%s', (_name, input, expected) => {
    expect(effectiveMaxSensitivity({ declared: DECLARED[input.channel] ?? 'public', ...input })).toBe(
      expected,
    );
  });
});
