import { z } from 'zod';

/**
 * What the hub takes as a language tag: a language, then optionally one region, script or area
 * subtag (`en`, `es-MX`, `zh-Hant`, `es-419`). `_` is read as `-`, since spreadsheet exports write
 * `es_MX`. Extensions and private-use tags are refused: no template or setting is keyed by them.
 */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

/**
 * The BCP 47 canonical form of a language tag (`es-mx` -> `es-MX`, `ZH-hant` -> `zh-Hant`), or null
 * when it is not one. Every way a language reaches a contact or a campaign filter goes through here,
 * so stored tags compare equal to the ones staff type.
 */
export function canonicalLanguageTag(raw: string): string | null {
  const tag = raw.trim().replace('_', '-');
  if (!LANGUAGE_TAG.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    // Well-formed to the pattern above but not to BCP 47 (e.g. `en-ab1`).
    return null;
  }
}

export const LANGUAGE_TAG_RULE = 'must be a language code such as en or es-MX';

/** A language tag in a request body, given back in canonical form. */
export const languageTagSchema = z
  .string()
  .max(20)
  .transform((value, ctx) => {
    const tag = canonicalLanguageTag(value);
    if (tag === null) {
      ctx.addIssue({ code: 'custom', message: LANGUAGE_TAG_RULE });
      return z.NEVER;
    }
    return tag;
  });
