/**
 * Where the hub may send a Bot Framework reply. An activity names its own `serviceUrl` and the
 * connector POSTs replies there, so without a list the hub would POST wherever a sender says.
 */

/** Hosts of Microsoft's Bot Connector service URLs (public cloud, US Government, Teams GCC/GCC High/DoD). */
const MICROSOFT_HOSTS = new Set([
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
]);

/** Every other Microsoft channel lives under these (directline., webchat., slack., europe.directline. ...). */
const MICROSOFT_HOST_SUFFIXES = ['.botframework.com', '.botframework.azure.us'];

export interface ServiceUrlPolicy {
  /** Extra origins (BOTFRAMEWORK_SERVICE_URLS): a private connector or a local stand-in. */
  extraOrigins: readonly string[];
  /** BOTFRAMEWORK_EMULATOR: the Emulator's connector on this machine is allowed too. */
  emulator: boolean;
}

/** Which rule lets a reply go to a service URL; null when none does. */
export type ServiceUrlKind = 'microsoft' | 'configured' | 'emulator';

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function classifyServiceUrl(
  serviceUrl: string | undefined,
  policy: ServiceUrlPolicy,
): ServiceUrlKind | null {
  if (!serviceUrl || !URL.canParse(serviceUrl)) return null;
  const url = new URL(serviceUrl);
  // Credentials in the URL would travel with every reply; no connector needs them.
  if (url.username || url.password) return null;
  if (policy.extraOrigins.includes(url.origin)) return 'configured';
  if (
    url.protocol === 'https:' &&
    url.port === '' &&
    (MICROSOFT_HOSTS.has(url.hostname) || MICROSOFT_HOST_SUFFIXES.some((s) => url.hostname.endsWith(s)))
  ) {
    return 'microsoft';
  }
  // The Emulator names a bare origin (http://localhost:PORT): a path would aim the reply at some
  // other local service's route instead.
  if (policy.emulator && isLoopbackHost(url.hostname) && (url.pathname === '/' || url.pathname === '')) {
    return 'emulator';
  }
  return null;
}
