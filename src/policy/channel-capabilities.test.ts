import {
  canCarry,
  canCarrySecureLinkNotice,
  effectiveMaxSensitivity,
  type Sensitivity,
  sensitivityRank,
} from './channel-capabilities';

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
  test.each<[string, Parameters<typeof effectiveMaxSensitivity>[0], Sensitivity]>([
    ['sms default', { channel: 'sms' }, 'limited'],
    ['email default', { channel: 'email' }, 'limited'],
    ['voice default', { channel: 'voice' }, 'limited'],
    ['securelink default', { channel: 'securelink' }, 'phi'],
    ['botframework default', { channel: 'botframework' }, 'limited'],
    ['webchat unverified', { channel: 'webchat' }, 'limited'],
    ['webchat verified', { channel: 'webchat', verifiedSession: true }, 'phi'],
    ['an unclassified channel carries only public content', { channel: 'fax' }, 'public'],
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
    expect(effectiveMaxSensitivity(input)).toBe(expected);
  });
});

describe('canCarrySecureLinkNotice', () => {
  test.each([
    ['sms', true],
    ['email', true],
    ['webchat', true],
    ['botframework', true],
    ['voice', false],
  ])('%s: %p', (channel, expected) => {
    expect(canCarrySecureLinkNotice(channel)).toBe(expected);
  });
});
