import fs from 'node:fs';
import path from 'node:path';
import { type Response, Router } from 'express';

export interface ChatRoutesOptions {
  publicUrl: string;
  /** CSP frame-ancestors for the page: the sites whose widget may frame it. */
  frameAncestors: string;
  /** Where the clinic's logo is, when on another site: the one other origin the page loads images from. */
  logoOrigin?: () => string | null;
}

/** The folder of the page's files, from the source tree or from the build (dist/ has no copy). */
function publicFolder(): string {
  const candidates = [
    path.join(__dirname, 'public'),
    path.resolve(__dirname, '../../../channels/webchat/public'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'chat.html')));
  if (!found) throw new Error(`web chat page files not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** socket.io's browser client, shipped inside the server package (the hub's server does not serve it). */
function socketIoClientFile(): string {
  return path.join(
    path.dirname(require.resolve('socket.io/package.json')),
    'client-dist',
    'socket.io.min.js',
  );
}

/**
 * `/chat` (the patient page), its script and style, the socket.io client, and `/chat/widget.js`
 * (the one script tag a clinic puts on its site). Files are read once at start. The page runs no
 * inline script and loads nothing from elsewhere, which its CSP enforces.
 */
export function chatRouter(options: ChatRoutesOptions): Router {
  const dir = publicFolder();
  const read = (file: string) => fs.readFileSync(path.join(dir, file));
  const files = {
    page: read('chat.html'),
    script: read('chat.js'),
    style: read('chat.css'),
    widget: read('widget.js'),
    socketIo: fs.readFileSync(socketIoClientFile()),
  };
  const base = new URL(options.publicUrl);
  const socketOrigin = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}`;
  const pageCsp = (logoOrigin: string | null) =>
    [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      // 'self' covers same-origin WebSockets in current browsers; the explicit origin covers older ones.
      `connect-src 'self' ${socketOrigin}`,
      logoOrigin ? `img-src 'self' ${logoOrigin}` : "img-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors ${options.frameAncestors}`,
    ].join('; ');

  // X-Frame-Options for browsers without CSP frame-ancestors: it can say "nobody" and "this site",
  // not a list, so with a list it is left out and CSP (which wins where both exist) decides alone.
  const frameOptions = frameOptionsFor(options.frameAncestors);

  const send = (res: Response, type: string, body: Buffer, cache: string) => {
    res.set({
      'Content-Type': type,
      'Cache-Control': cache,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.send(body);
  };

  const router = Router();
  router.get('/chat', (_req, res) => {
    res.set('Content-Security-Policy', pageCsp(options.logoOrigin?.() ?? null));
    if (frameOptions) res.set('X-Frame-Options', frameOptions);
    send(res, 'text/html; charset=utf-8', files.page, 'no-store');
  });
  router.get('/chat/chat.js', (_req, res) =>
    send(res, 'text/javascript; charset=utf-8', files.script, 'no-cache'),
  );
  router.get('/chat/chat.css', (_req, res) => send(res, 'text/css; charset=utf-8', files.style, 'no-cache'));
  router.get('/chat/socket.io.js', (_req, res) =>
    send(res, 'text/javascript; charset=utf-8', files.socketIo, 'public, max-age=3600'),
  );
  router.get('/chat/widget.js', (_req, res) => {
    // Loaded by the clinic's own site: another origin must be allowed to use it.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    send(res, 'text/javascript; charset=utf-8', files.widget, 'public, max-age=300');
  });
  return router;
}

/** The X-Frame-Options that says the same as a frame-ancestors list, when one can. */
export function frameOptionsFor(frameAncestors: string): 'DENY' | 'SAMEORIGIN' | null {
  const sources = frameAncestors.trim().toLowerCase().split(/\s+/);
  if (sources.length === 1 && sources[0] === "'none'") return 'DENY';
  if (sources.length === 1 && sources[0] === "'self'") return 'SAMEORIGIN';
  return null;
}
