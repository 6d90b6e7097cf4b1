import { ConfigError, parseConfig } from '../../src/platform/config/config';
import { twilioConfig } from './twilio-config';

// The Twilio keys are declared here, beside the client that reads them, and composed into the hub's
// config by the channels that use the account (SMS and voice).
test('without Twilio credentials SMS is a sandbox', () => {
  expect(parseConfig({}, [twilioConfig]).smsSandbox).toBe(true);
});

test.each([
  [{ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
  [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_FROM_NUMBER: '+15550001111' }, 'TWILIO_AUTH_TOKEN'],
])('rejects %p naming %s', (env, variable) => {
  expect(() => parseConfig(env, [twilioConfig])).toThrow(ConfigError);
  expect(() => parseConfig(env, [twilioConfig])).toThrow(variable);
});

test('Twilio credentials turn sandbox mode off and trailing slashes leave PUBLIC_URL', () => {
  const config = parseConfig(
    {
      TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'secret',
      TWILIO_FROM_NUMBER: '+15550001111',
      PUBLIC_URL: 'https://hub.example.org/',
    },
    [twilioConfig],
  );
  expect(config.smsSandbox).toBe(false);
  expect(config.publicUrl).toBe('https://hub.example.org');
});
