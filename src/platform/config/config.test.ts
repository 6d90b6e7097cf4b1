import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  test('defaults give a sandboxed hub on port 3000 with embedded storage', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.smsSandbox).toBe(true);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
    [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_FROM_NUMBER: '+15550001111' }, 'TWILIO_AUTH_TOKEN'],
    [{ ADMIN_EMAIL: 'admin@example.org' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'nope', ADMIN_PASSWORD: 'long-enough-1' }, 'ADMIN_EMAIL'],
    [{ CLINIC_TIME_ZONE: 'Mars/Olympus' }, 'CLINIC_TIME_ZONE'],
    [{ CHANNEL_MAX_SENSITIVITY: 'sms=secret' }, 'CHANNEL_MAX_SENSITIVITY'],
    [
      { BOTFRAMEWORK_EMULATOR: 'true', MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: 'secret' },
      'BOTFRAMEWORK_EMULATOR',
    ],
    [{ BOTFRAMEWORK_EMULATOR: 'yes' }, 'BOTFRAMEWORK_EMULATOR'],
    [{ BOTFRAMEWORK_SERVICE_URLS: 'ftp://connector.example' }, 'BOTFRAMEWORK_SERVICE_URLS'],
    [{ BOTFRAMEWORK_SERVICE_URLS: 'https://user:pw@connector.example' }, 'BOTFRAMEWORK_SERVICE_URLS'],
    [{ BOTFRAMEWORK_OPENID_METADATA_URL: 'not a url' }, 'BOTFRAMEWORK_OPENID_METADATA_URL'],
  ])('rejects %p naming %s', (env, variable) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(variable);
  });

  test('per-clinic channel ceilings parse into a map', () => {
    expect(
      parseConfig({ CHANNEL_MAX_SENSITIVITY: ' sms=public , email=phi' }).CHANNEL_MAX_SENSITIVITY,
    ).toEqual({
      sms: 'public',
      email: 'phi',
    });
    expect(parseConfig({}).CHANNEL_MAX_SENSITIVITY).toEqual({});
  });

  test('Twilio credentials turn sandbox mode off and trailing slashes leave PUBLIC_URL', () => {
    const config = parseConfig({
      TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'secret',
      TWILIO_FROM_NUMBER: '+15550001111',
      PUBLIC_URL: 'https://hub.example.org/',
    });
    expect(config.smsSandbox).toBe(false);
    expect(config.publicUrl).toBe('https://hub.example.org');
  });

  test('Bot Framework is off and anonymous activities refused unless asked for; extra service URLs are origins', () => {
    const defaults = parseConfig({});
    expect(defaults.BOTFRAMEWORK_EMULATOR).toBe(false);
    expect(defaults.BOTFRAMEWORK_SERVICE_URLS).toEqual([]);
    expect(parseConfig({ BOTFRAMEWORK_EMULATOR: 'true' }).BOTFRAMEWORK_EMULATOR).toBe(true);
    expect(
      parseConfig({ BOTFRAMEWORK_SERVICE_URLS: ' http://127.0.0.1:4010/ , https://connector.example/x' })
        .BOTFRAMEWORK_SERVICE_URLS,
    ).toEqual(['http://127.0.0.1:4010', 'https://connector.example']);
  });

  test.each([
    [undefined, ['loopback']],
    ['true', true],
    ['false', false],
    ['2', 2],
    ['10.0.0.0/8, loopback', ['10.0.0.0/8', 'loopback']],
    ['fd00::/8,uniquelocal', ['fd00::/8', 'uniquelocal']],
  ])('TRUST_PROXY=%p is express trust proxy %p', (value, expected) => {
    expect(parseConfig(value === undefined ? {} : { TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  test.each(['proxy.example', '10.0.0.0/99', 'loopback,*'])('TRUST_PROXY=%p stops the start', (value) => {
    expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });
});
