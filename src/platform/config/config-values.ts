import { z } from 'zod';

/** Schemas the core's and the sections' keys share. */

/** A string where empty means unset (a `.env` line such as `TWILIO_ACCOUNT_SID=`). */
export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const optionalUrl = optionalString.pipe(z.url().optional());

export const port = z.coerce.number().int().min(0).max(65535);

/** `true` or `false`, nothing else, defaulting to `fallback`. */
export function booleanFlag(fallback: 'true' | 'false') {
  return z
    .enum(['true', 'false'], 'must be true or false')
    .default(fallback)
    .transform((v) => v === 'true');
}
