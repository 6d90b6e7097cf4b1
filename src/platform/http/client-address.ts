import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** TRUST_PROXY parsed as express's `trust proxy` setting takes it: all, none, a hop count, or addresses. */
export type TrustProxySetting = boolean | number | string[];

/** Which proxy hops may name the client: given an address and its hop index (0 = the TCP peer). */
export type TrustFunction = (address: string, hop: number) => boolean;

/** The address of the visitor behind the proxies the hub trusts, from the TCP peer and the headers. */
export type ClientAddressResolver = (peerAddress: string, headers: IncomingHttpHeaders) => string;

/**
 * Parses TRUST_PROXY with express's rules for `trust proxy`: `true`/`false`, a number of hops, or
 * a comma-separated list of addresses, CIDR subnets and the names `loopback`, `linklocal` and
 * `uniquelocal`. Throws a TypeError naming what is wrong (proxy-addr's own check of each entry).
 */
export function parseTrustProxy(value: string): TrustProxySetting {
  const text = value.trim();
  if (text === 'true') return true;
  if (text === 'false' || text === '') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  proxyaddr.compile(entries);
  return entries;
}

/** The one trust function of the hub: express's `req.ip` and the socket handshakes both use it. */
export function compileTrust(setting: TrustProxySetting): TrustFunction {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/**
 * Resolves a client address as express does for `req.ip`, for requests express never sees (a
 * socket.io handshake): the TCP peer, or the nearest X-Forwarded-For entry that an untrusted hop
 * put there. Spoofed entries in front of it are ignored, as is the whole header when the peer is
 * not a trusted proxy.
 */
export function clientAddressResolver(trust: TrustFunction): ClientAddressResolver {
  return (peerAddress, headers) =>
    // proxy-addr reads only the headers and the socket's remote address.
    proxyaddr({ headers, socket: { remoteAddress: peerAddress } } as IncomingMessage, trust);
}
