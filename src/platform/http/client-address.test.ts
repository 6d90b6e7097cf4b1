import { clientAddressResolver, compileTrust, parseTrustProxy } from './client-address';

describe('the client address behind proxies', () => {
  const xff = (value: string) => ({ 'x-forwarded-for': value });

  test.each([
    // setting, TCP peer, X-Forwarded-For, resolved client
    ['loopback', '127.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['loopback', '::ffff:127.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['loopback', '198.51.100.2', '203.0.113.7', '198.51.100.2'],
    ['loopback', '127.0.0.1', '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    ['false', '127.0.0.1', '203.0.113.7', '127.0.0.1'],
    ['true', '127.0.0.1', '6.6.6.6, 203.0.113.7', '6.6.6.6'],
    ['1', '10.0.0.5', '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    ['2', '10.0.0.5', '6.6.6.6, 203.0.113.7', '6.6.6.6'],
    ['10.0.0.0/8', '10.0.0.5', '10.0.0.9, 203.0.113.7', '203.0.113.7'],
  ])('TRUST_PROXY=%s, peer %s, X-Forwarded-For %p -> %s', (setting, peer, forwarded, expected) => {
    const resolve = clientAddressResolver(compileTrust(parseTrustProxy(setting)));
    expect(resolve(peer, xff(forwarded))).toBe(expected);
  });

  test('without the header the peer is the client', () => {
    expect(clientAddressResolver(compileTrust(true))('192.0.2.1', {})).toBe('192.0.2.1');
  });
});
