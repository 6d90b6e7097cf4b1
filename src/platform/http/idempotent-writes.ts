import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import { idempotencyKeys } from '../db/schema';
import { HttpError } from './http-error';

/** How long a key is kept: a retry within a day gets the first answer. */
export const IDEMPOTENCY_KEY_HOURS = 24;

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Visible ASCII, as Stripe and the IETF draft allow; long enough for a UUID with a prefix. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/**
 * Makes a staff write safe to retry: a request with an `Idempotency-Key` header runs once per staff
 * member and key. The key is taken by an INSERT on its primary key (staff id, key), so of two
 * concurrent requests exactly one runs; the other gets `409 idempotency_in_progress` (Retry-After).
 * The first answer below 500 is kept with the key and replayed to a retry with the same method, path
 * and body (`Idempotent-Replayed: true`); another request under the same key is `409
 * idempotency_key_reused`. A 5xx answer releases the key: nothing was done, so the retry runs. Mount
 * after authentication. Requests without the header are not affected.
 */
export function idempotentWrites(db: Database, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new HttpError(
        400,
        'invalid_idempotency_key',
        `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters`,
      );
    }
    const staffId = req.staff!.id;
    const hash = requestHash(req.method, `${req.baseUrl}${req.path}`, req.body);
    // Takes the key, or a key whose day is over (it counts as never used).
    const [taken] = await db
      .insert(idempotencyKeys)
      .values({ staffId, key, requestHash: hash })
      .onConflictDoUpdate({
        target: [idempotencyKeys.staffId, idempotencyKeys.key],
        set: { requestHash: hash, responseStatus: null, responseBody: null, createdAt: sql`now()` },
        setWhere: lt(
          idempotencyKeys.createdAt,
          sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`,
        ),
      })
      .returning({ staffId: idempotencyKeys.staffId });
    if (!taken) {
      const [first] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.staffId, staffId), eq(idempotencyKeys.key, key)));
      if (!first) throw new HttpError(409, 'idempotency_in_progress', 'A request with this key is running');
      if (first.requestHash !== hash) {
        throw new HttpError(
          409,
          'idempotency_key_reused',
          `This ${IDEMPOTENCY_HEADER} was used for another request; use a new key for a new request`,
        );
      }
      if (first.responseStatus === null) {
        res.set('Retry-After', '1');
        throw new HttpError(
          409,
          'idempotency_in_progress',
          'The first request with this key is still running; try again in a moment',
        );
      }
      res.set('Idempotent-Replayed', 'true').status(first.responseStatus).json(first.responseBody);
      return;
    }
    keepAnswer(db, logger, res, staffId, key);
    next();
  };
}

/**
 * Writes the answer under the key before it goes out, so a retry that arrives the moment the first
 * answer does finds it. A 5xx releases the key instead.
 */
function keepAnswer(db: Database, logger: Logger, res: Response, staffId: string, key: string): void {
  const send = res.json.bind(res);
  const row = and(eq(idempotencyKeys.staffId, staffId), eq(idempotencyKeys.key, key));
  res.json = (body: unknown) => {
    const status = res.statusCode;
    const kept =
      status >= 500
        ? db.delete(idempotencyKeys).where(row)
        : db
            .update(idempotencyKeys)
            .set({ responseStatus: status, responseBody: body ?? null })
            .where(row);
    kept
      .catch((err: unknown) => logger.error({ err }, 'could not keep the answer of an idempotent request'))
      .finally(() => send(body));
    return res;
  };
}

/** Deletes keys older than a day; run periodically. Returns how many went. */
export async function purgeExpiredIdempotencyKeys(db: Database): Promise<number> {
  const gone = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`))
    .returning({ key: idempotencyKeys.key });
  return gone.length;
}
