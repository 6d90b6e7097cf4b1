import { declareShippedChannelLabels } from '../policy/declared-channel-labels.test-support';
import { type ReplyGuidanceInput, replyGuidance } from './reply-guidance';

// The sentences name channels as their adapters declare; no hub (no registry) runs here.
declareShippedChannelLabels();

const base: ReplyGuidanceInput = {
  decision: { allowed: false, code: 'no_channel_allowed' },
  replyChannel: 'sms',
  freeTextSensitivity: 'phi',
  hasDateOfBirth: false,
  mayAddDateOfBirth: false,
};

describe('replyGuidance', () => {
  test.each([
    ['PHI, no date of birth, an agent', {}, ['mark_not_sensitive'], /A supervisor can add it/],
    [
      'PHI, no date of birth, a supervisor',
      { mayAddDateOfBirth: true },
      ['add_date_of_birth', 'mark_not_sensitive'],
      /Add it to send this as a secure link/,
    ],
    [
      'a template, no date of birth: nothing to mark',
      { freeTextSensitivity: null, mayAddDateOfBirth: true },
      ['add_date_of_birth'],
      /^Not sent yet: SMS may not carry health information/,
    ],
    [
      'PHI on a call with a date of birth: no link either',
      { hasDateOfBirth: true, replyChannel: 'voice' },
      ['mark_not_sensitive'],
      /voice may not carry health information, and cannot deliver a secure link either/,
    ],
    [
      'secured: the notice and the date of birth explained',
      {
        decision: { allowed: true, channel: 'email', securedVia: 'securelink' as const },
        hasDateOfBirth: true,
      },
      ['mark_not_sensitive'],
      /^Will go as a secure link: the patient gets an email saying a message is waiting/,
    ],
    [
      'marked limited with a date of birth: the way back to the link',
      {
        decision: { allowed: true, channel: 'sms' },
        freeTextSensitivity: 'limited' as const,
        hasDateOfBirth: true,
      },
      ['send_as_secure_link'],
      /^Will go by SMS as written\.$/,
    ],
    [
      'marked limited, no date of birth: no link to go back to',
      { decision: { allowed: true, channel: 'sms' }, freeTextSensitivity: 'limited' as const },
      [],
      /^Will go by SMS as written\.$/,
    ],
    [
      'after STOP',
      { decision: { allowed: false, code: 'consent_opted_out' as const } },
      [],
      /opted out of SMS \(they texted STOP/,
    ],
    [
      'no address',
      { decision: { allowed: false, code: 'no_address' as const }, replyChannel: 'email' },
      [],
      /no working address on email/,
    ],
  ])('%s', (_name, change, remedies, summary) => {
    const guidance = replyGuidance({ ...base, ...change } as ReplyGuidanceInput);
    expect(guidance.remedies).toEqual(remedies);
    expect(guidance.summary).toMatch(summary);
    // Words for a front desk, not for developers.
    expect(guidance.summary).not.toMatch(/PHI|no_channel_allowed|securelink/);
  });
});
