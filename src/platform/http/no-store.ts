import type { RequestHandler } from 'express';

/**
 * `Cache-Control: no-store` on every answer: the staff API carries patient data and session tokens,
 * which no browser cache, shared proxy or back/forward cache may keep. A route may narrow it further.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
