import { ConfigError, parseConfig } from '../../src/platform/config/config';
import { botframeworkConfig } from './botframework-config';

test.each([
  [
    { BOTFRAMEWORK_EMULATOR: 'true', MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: 'secret' },
    'BOTFRAMEWORK_EMULATOR',
  ],
  [{ BOTFRAMEWORK_EMULATOR: 'yes' }, 'BOTFRAMEWORK_EMULATOR'],
  [{ BOTFRAMEWORK_SERVICE_URLS: 'ftp://connector.example' }, 'BOTFRAMEWORK_SERVICE_URLS'],
  [{ BOTFRAMEWORK_SERVICE_URLS: 'https://user:pw@connector.example' }, 'BOTFRAMEWORK_SERVICE_URLS'],
  [{ BOTFRAMEWORK_OPENID_METADATA_URL: 'not a url' }, 'BOTFRAMEWORK_OPENID_METADATA_URL'],
])('rejects %p naming %s', (env, variable) => {
  expect(() => parseConfig(env, [botframeworkConfig])).toThrow(ConfigError);
  expect(() => parseConfig(env, [botframeworkConfig])).toThrow(variable);
});

test('Bot Framework is off and anonymous activities refused unless asked for; extra service URLs are origins', () => {
  const parse = (env: NodeJS.ProcessEnv) => parseConfig(env, [botframeworkConfig]);
  const defaults = parse({});
  expect(defaults.BOTFRAMEWORK_EMULATOR).toBe(false);
  expect(defaults.BOTFRAMEWORK_SERVICE_URLS).toEqual([]);
  expect(parse({ BOTFRAMEWORK_EMULATOR: 'true' }).BOTFRAMEWORK_EMULATOR).toBe(true);
  expect(
    parse({ BOTFRAMEWORK_SERVICE_URLS: ' http://127.0.0.1:4010/ , https://connector.example/x' })
      .BOTFRAMEWORK_SERVICE_URLS,
  ).toEqual(['http://127.0.0.1:4010', 'https://connector.example']);
});
