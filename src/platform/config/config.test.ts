import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  test('defaults give a sandboxed hub on port 3000 with embedded storage', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ ADMIN_EMAIL: 'admin@example.org' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'nope', ADMIN_PASSWORD: 'long-enough-1' }, 'ADMIN_EMAIL'],
    [{ CLINIC_TIME_ZONE: 'Mars/Olympus' }, 'CLINIC_TIME_ZONE'],
    [{ CHANNEL_MAX_SENSITIVITY: 'sms=secret' }, 'CHANNEL_MAX_SENSITIVITY'],
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
