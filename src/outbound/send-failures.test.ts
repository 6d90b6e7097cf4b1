import { declareShippedChannelLabels } from '../policy/declared-channel-labels.test-support';
import { describeSendFailure } from './send-failures';

// The sentences name channels as their adapters declare; no hub (no registry) runs here.
declareShippedChannelLabels();

test.each([
  ['sms', 'twilio_21610', 'Twilio answered 400 (error 21610)', /blocked texts/],
  ['sms', 'send_interrupted', 'Sending stopped before SMS answered', /^Sending stopped before SMS answered$/],
  ['sms', 'send_interrupted', null, /cannot be asked whether the message went out/],
  [
    'sms',
    'twilio_99999',
    'Twilio answered 400 (error 99999)',
    /^The SMS message could not be sent: Twilio answered 400/,
  ],
  ['email', 'http_503', null, /^The email provider had a fault/],
  ['botframework', null, null, /^The Bot Framework message could not be sent \(no reason given\)/],
  ['botframework', 'service_url_not_allowed', 'The conversation’s service URL is not…', /does not send to/],
  ['botframework', 'botframework_disabled', 'The Bot Framework channel is off…', /turned off/],
])('%s %s reads as words', (channel, code, message, expected) => {
  expect(describeSendFailure(channel, code, message)).toMatch(expected);
});
