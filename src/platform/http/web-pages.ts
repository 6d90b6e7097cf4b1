import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';
import { HttpError } from './http-error';

/**
 * No inline script or style anywhere: every script is an emitted file under /web/assets, so a
 * patient's text that slipped into the DOM as markup still could not run. React sets styles through
 * the CSSOM, which `style-src 'self'` allows.
 */
export const STAFF_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The repository root: the nearest folder up from here with a package.json (src/http or dist/src/http). */
function packageRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Where `npm run build:web` writes the pages (vite, see web/vite.config.mts). */
export const defaultWebDir = () => path.join(packageRoot(__dirname), 'dist', 'web');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': STAFF_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  });
  next();
};

/** The favicon file: one SVG (web/shared), which the staff pages' build also hashes into /web/assets. */
const faviconFile = () => path.join(packageRoot(__dirname), 'web', 'shared', 'favicon.svg');

/** Where patient pages (`/chat`, `/s/:token`) link their favicon: their CSPs allow `img-src 'self'`. */
export const FAVICON_PATH = '/favicon.svg';

/**
 * The staff pages built from web/: `/inbox` and `/sandbox` (the HTML shells, never cached) and their
 * hashed assets under `/web/` (cached for a year). Without a build they answer 503 naming the command.
 */
export function webPagesRouter(webDir: string = defaultWebDir()): Router {
  const router = Router();
  // The address people type first. Relative, so a proxy's path prefix is kept.
  router.get('/', (_req, res) => res.redirect(302, 'inbox'));
  // Read once; a checkout without web/ (it ships in the image) answers 404 rather than failing.
  const favicon = fs.existsSync(faviconFile()) ? fs.readFileSync(faviconFile()) : null;
  router.get(FAVICON_PATH, (_req, res) => {
    if (!favicon) throw new HttpError(404, 'not_found', 'No such file');
    res.set({
      'Content-Type': 'image/svg+xml',
      'Cache-Control': 'public, max-age=86400',
      // An SVG opened on its own is a document: it may run nothing and load nothing.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(favicon);
  });
  // Source maps would hand anyone the pages' whole source, comments included. The build keeps
  // them on disk for whoever runs the machine (vite `sourcemap: 'hidden'`); they are never served.
  router.use('/web', (req, _res, next) => {
    if (/\.map$/i.test(req.path)) throw new HttpError(404, 'not_found', 'No such file');
    next();
  });
  router.use(
    '/web',
    securityHeaders,
    express.static(webDir, { index: false, immutable: true, maxAge: '365d', fallthrough: true }),
  );
  for (const page of ['inbox', 'sandbox']) {
    router.get([`/${page}`, `/${page}/`], securityHeaders, (_req, res) => {
      const file = path.join(webDir, page, 'index.html');
      if (!fs.existsSync(file)) {
        res
          .status(503)
          .type('text/plain')
          .send(`The ${page} page is not built. Run \`npm run build:web\` (npm start does it for you).`);
        return;
      }
      res.set('Cache-Control', 'no-cache');
      res.sendFile(file);
    });
  }
  return router;
}
