import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a socket handshake may be authenticated by the session cookie: its page is one of the
 * hub's own. Browsers send `Origin` with every cross-origin request and every WebSocket, and no page
 * can forge it; none is sent by a same-origin polling GET, so an absent Origin is the hub's own page
 * (or not a browser at all, which could as well send the token itself).
 *
 * The hub's own origin is PUBLIC_URL's, and also the one the request was addressed to (`Host`): a page
 * the hub served at http://127.0.0.1:3000 while PUBLIC_URL names its public https address. Another
 * site can make Origin and Host agree only by pointing its own name at the hub (DNS rebinding), and
 * the browser then keeps the hub's cookie to itself.
 */
export function cookieOriginAllowed(headers: IncomingHttpHeaders, publicOrigin: string): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === publicOrigin) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === headers.host;
  } catch {
    return false;
  }
}
