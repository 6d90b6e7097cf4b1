/**
 * Turns what a staff member typed into the inbox search box into safe search terms: word prefixes
 * for PostgreSQL full-text search (`simple` config: no stemming, so it works for any language), a
 * LIKE pattern for names and addresses, and the digits of something that looks like a phone number.
 */
export interface SearchTerms {
  /** `to_tsquery('simple', …)` input, e.g. `insul:* & pen:*`; null when the text has no words. */
  tsQuery: string | null;
  /** `%text%` with LIKE wildcards escaped, for ILIKE over names and email addresses. */
  likePattern: string;
  /** `%digits%` when the text looks like (part of) a phone number, else null. */
  phonePattern: string | null;
}

const MAX_WORDS = 8;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function searchTerms(text: string): SearchTerms {
  const trimmed = text.trim();
  const words = (trimmed.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_WORDS);
  const digits = trimmed.replace(/\D/g, '');
  const phoneLike = /^[\d\s()+.-]+$/.test(trimmed) && digits.length >= 3;
  return {
    tsQuery: words.length > 0 ? words.map((w) => `${w}:*`).join(' & ') : null,
    likePattern: `%${escapeLike(trimmed)}%`,
    phonePattern: phoneLike ? `%${digits}%` : null,
  };
}
