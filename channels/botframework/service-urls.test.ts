import { classifyServiceUrl } from './service-urls';

const live = { extraOrigins: [], emulator: false };
const emulator = { extraOrigins: [], emulator: true };
const configured = {
  extraOrigins: ['http://127.0.0.1:4010', 'https://connector.clinic.example'],
  emulator: false,
};

test.each([
  ['Teams (public cloud)', 'https://smba.trafficmanager.net/amer/', live, 'microsoft'],
  ['Teams GCC', 'https://smba.infra.gcc.teams.microsoft.com/', live, 'microsoft'],
  ['Teams GCC High', 'https://smba.infra.gov.teams.microsoft.us/', live, 'microsoft'],
  ['Web Chat', 'https://webchat.botframework.com/', live, 'microsoft'],
  ['regional Direct Line', 'https://europe.directline.botframework.com/', live, 'microsoft'],
  ['US Government Bot Framework', 'https://directline.botframework.azure.us/', live, 'microsoft'],
  ['a Microsoft host over http', 'http://webchat.botframework.com/', live, null],
  ['a Microsoft host on another port', 'https://webchat.botframework.com:8443/', live, null],
  ['a look-alike suffix', 'https://smba.trafficmanager.net.attacker.example/', live, null],
  ['a look-alike prefix', 'https://evilbotframework.com/', live, null],
  ['credentials in the URL', 'https://user:pw@smba.trafficmanager.net/amer/', live, null],
  ['loopback without the Emulator flag', 'http://localhost:3978', live, null],
  ['the Emulator (localhost)', 'http://localhost:56789', emulator, 'emulator'],
  ['the Emulator (127.0.0.1)', 'http://127.0.0.1:56789/', emulator, 'emulator'],
  ['the Emulator (::1)', 'http://[::1]:56789', emulator, 'emulator'],
  ['a loopback path in the Emulator mode', 'http://127.0.0.1:3000/admin/purge', emulator, null],
  ['a private address in the Emulator mode', 'http://10.0.0.5:8080/', emulator, null],
  ['a configured origin, any path', 'http://127.0.0.1:4010/v3/x', configured, 'configured'],
  ['a configured https origin', 'https://connector.clinic.example/', configured, 'configured'],
  ['the same host on another port than configured', 'http://127.0.0.1:4011/', configured, null],
  ['not a URL', 'not a url', emulator, null],
  ['missing', undefined, emulator, null],
])('%s: %s', (_name, url, policy, kind) => {
  expect(classifyServiceUrl(url, policy)).toBe(kind);
});
