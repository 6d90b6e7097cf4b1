import { z } from 'zod';
import { ConfigError, parseConfig } from './config';
import { configSection, MissingConfigSectionError } from './config-section';
import { optionalString } from './config-values';

// A section declared here, as a channel folder declares its own: the core schema names none of it.
const pagerConfig = configSection({
  owner: 'pager',
  shape: {
    PAGER_GATEWAY_URL: optionalString.pipe(z.url().optional()),
    PAGER_PAGES_PER_MINUTE: z.coerce.number().int().positive().default(6),
  },
  check: (values) =>
    values.PAGER_PAGES_PER_MINUTE > 60 && !values.PAGER_GATEWAY_URL
      ? ['PAGER_GATEWAY_URL: required above 60 pages a minute']
      : [],
  derive: (values) => ({ pagerSandbox: !values.PAGER_GATEWAY_URL }),
});

test("a section's keys are parsed with the core's, with its defaults and derived values", () => {
  const config = parseConfig({ PAGER_GATEWAY_URL: 'https://pager.example', CLINIC_NAME: 'Hillside' }, [
    pagerConfig,
  ]);
  expect(config.CLINIC_NAME).toBe('Hillside');
  expect(config.PAGER_GATEWAY_URL).toBe('https://pager.example');
  expect(config.PAGER_PAGES_PER_MINUTE).toBe(6);
  expect(config.pagerSandbox).toBe(false);
  expect(pagerConfig.read(config).PAGER_PAGES_PER_MINUTE).toBe(6);
  // A copy of the config (as tests and features make) still knows its sections.
  expect(pagerConfig.read({ ...config }).pagerSandbox).toBe(false);
});

test.each([
  [{ PAGER_GATEWAY_URL: 'not a url' }, 'PAGER_GATEWAY_URL'],
  [{ PAGER_PAGES_PER_MINUTE: '120' }, 'PAGER_GATEWAY_URL: required above 60'],
])("a section's bad value stops the start naming its variable: %p", (env, variable) => {
  expect(() => parseConfig(env, [pagerConfig])).toThrow(ConfigError);
  expect(() => parseConfig(env, [pagerConfig])).toThrow(variable);
});

test('a config parsed without the section cannot be read as if it had it', () => {
  const config = parseConfig({ PAGER_GATEWAY_URL: 'https://pager.example' });
  expect(() => pagerConfig.read(config)).toThrow(MissingConfigSectionError);
});

test('a section listed twice is read once; a key declared by two owners is refused', () => {
  expect(parseConfig({}, [pagerConfig, pagerConfig]).PAGER_PAGES_PER_MINUTE).toBe(6);
  const clash = configSection({ owner: 'beeper', shape: { PAGER_GATEWAY_URL: optionalString } });
  expect(() => parseConfig({}, [pagerConfig, clash])).toThrow('declared by pager and beeper');
  const core = configSection({ owner: 'beeper', shape: { PORT: optionalString } });
  expect(() => parseConfig({}, [core])).toThrow('declared by core and beeper');
});
