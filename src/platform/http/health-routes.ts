import { Router } from 'express';
import { withTimeout } from '../runtime/timeouts';

export interface ReadinessCheck {
  name: string;
  /** Rejects when the dependency does not answer; may resolve to a warning that does not fail readiness. */
  check(): Promise<{ warning: string | null } | undefined>;
}

/**
 * `/healthz`: the process is up. `/readyz`: every dependency answers within a second, else 503;
 * `checks` names each dependency's state, `warnings` what answers but is set up to lose work.
 */
export function healthRouter(checks: ReadinessCheck[]): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const warnings: Record<string, string> = {};
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          const outcome = await withTimeout(check(), 1000, () => new Error('timed out'));
          if (outcome?.warning) warnings[name] = outcome.warning;
          return [name, 'ok'] as const;
        } catch {
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      checks: Object.fromEntries(results),
      ...(Object.keys(warnings).length > 0 ? { warnings } : {}),
    });
  });
  return router;
}
