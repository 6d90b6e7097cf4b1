import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The issuer of the tokens the Bot Framework's channels send to a bot (Microsoft's public cloud). */
export const CHANNEL_TOKEN_ISSUER = 'https://api.botframework.com';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newSigningKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

/**
 * An RS256 JWT built from RFC 7515/7519 by hand with node:crypto, not with the SDK's own library,
 * so a mistake in how the hub reads tokens is not mirrored here.
 */
export function signToken(claims: Record<string, unknown>, key: SigningKey): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.kid, x5t: key.kid })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** The claims a channel's token carries for `appId`, about an activity from `serviceUrl`. */
export function channelClaims(appId: string, serviceUrl: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: CHANNEL_TOKEN_ISSUER,
    aud: appId,
    serviceurl: serviceUrl,
    nbf: now - 60,
    iat: now - 60,
    exp: now + 3600,
    ...overrides,
  };
}

/**
 * Stands in for login.botframework.com: an OpenID metadata document whose `jwks_uri` lists the
 * public halves of `keys`, each endorsed for the given channels, as Microsoft's keys are.
 */
export async function startOpenIdStandIn(keys: SigningKey[], endorsements: string[]) {
  let fetches = 0;
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.method === 'GET' && req.url === '/v1/.well-known/openidconfiguration') {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: CHANNEL_TOKEN_ISSUER,
          jwks_uri: `${base}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/.well-known/keys') {
      const jwks = keys.map((key) => {
        const jwk = key.publicKey.export({ format: 'jwk' });
        return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, endorsements };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    metadataUrl: `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`,
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
