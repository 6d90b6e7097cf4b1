import { HttpError } from '../platform/http/http-error';

/**
 * A contact's tags ("diabetic", "spring-recall"): the words campaign audiences select on (all of a
 * filter's tags, exactly, case included). They come from a CSV import or from staff in the patient
 * panel; both go through `normalizeTags`, so the two never store the same tag two ways.
 */

/** More than this is a tagging scheme gone wrong, not one patient's tags. */
export const MAX_TAGS = 50;
/** The longest tag an audience filter accepts: a longer one could be stored and never selected. */
export const MAX_TAG_LENGTH = 100;

/** Trimmed, blanks dropped, each once, in the order given. */
export const normalizeTags = (tags: readonly string[]): string[] => [
  ...new Set(tags.map((tag) => tag.trim()).filter(Boolean)),
];

const refuse = (code: string, message: string) => new HttpError(400, code, message, { fields: ['tags'] });

/**
 * The `tags` of a staff request, normalized, or 400: `invalid_tags` (not a list of strings),
 * `empty_tag`, `tag_too_long`, `too_many_tags`. A blank tag is refused here, where the import drops
 * it: a person typed it, and a silent drop would hide the slip. Messages never echo a tag.
 */
export function parseTags(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string')) {
    throw refuse('invalid_tags', 'tags must be a list of strings');
  }
  if (value.some((tag) => !tag.trim())) throw refuse('empty_tag', 'a tag must not be empty');
  const tags = normalizeTags(value);
  if (tags.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    throw refuse('tag_too_long', `a tag is at most ${MAX_TAG_LENGTH} characters`);
  }
  if (tags.length > MAX_TAGS) throw refuse('too_many_tags', `a contact has at most ${MAX_TAGS} tags`);
  return tags;
}
