import type { Express } from 'express';

interface RouteLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

export interface MountedRoute {
  method: string;
  path: string;
}

const pathsOf = (raw: unknown): string[] =>
  Array.isArray(raw) ? raw.flat(Infinity).map(String) : typeof raw === 'string' ? [raw] : [];

function walk(stack: RouteLayer[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const path of pathsOf(layer.route.path)) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: `${prefix}${path}` });
        }
      }
    } else if (layer.handle?.stack) {
      // A mounted router: `use('/x', router)` has rawPath '/x'; `use(router)` has '/'.
      for (const path of pathsOf(layer.rawPath)) {
        walk(layer.handle.stack, `${prefix}${path === '/' ? '' : path}`, out);
      }
    }
  }
}

/**
 * Every route an express app answers, walked from its router stack (express 5), so a test can
 * require each one to be listed somewhere: a route added later without a listing fails.
 */
export function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack, '', out);
  return out;
}
