import { z } from 'zod';
import { HttpError } from '../platform/http/http-error';

/**
 * Opaque keyset cursors for the inbox list. Timestamps travel as PostgreSQL's own text (microseconds
 * kept), so rows that share a millisecond are neither repeated nor skipped.
 */
export type ConversationCursor =
  | { sort: 'activity'; lastActivityAt: string; id: string }
  | { sort: 'priority'; priority: number; slaDueAt: string | null; lastActivityAt: string; id: string };

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

export function encodeCursor(cursor: ConversationCursor): string {
  const text =
    cursor.sort === 'activity'
      ? `${cursor.lastActivityAt}|${cursor.id}`
      : `p|${cursor.priority}|${cursor.slaDueAt ?? ''}|${cursor.lastActivityAt}|${cursor.id}`;
  return Buffer.from(text).toString('base64url');
}

const invalid = () => new HttpError(400, 'invalid_cursor', 'The cursor is not one this API returned');

/** Decodes a cursor for the given sort; 400 `invalid_cursor` when it is malformed or of the other sort. */
export function decodeCursor(cursor: string, sort: 'activity' | 'priority'): ConversationCursor {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  const validId = (id: string | undefined): id is string => z.uuid().safeParse(id).success;
  const validAt = (at: string | undefined): at is string => at !== undefined && TIMESTAMP.test(at);
  if (sort === 'activity') {
    const [at, id] = parts;
    if (parts.length !== 2 || !validAt(at) || !validId(id)) throw invalid();
    return { sort, lastActivityAt: at, id };
  }
  const [tag, priority, sla, at, id] = parts;
  if (parts.length !== 5 || tag !== 'p' || !/^-?\d{1,6}$/.test(priority ?? '')) throw invalid();
  if (sla !== '' && !validAt(sla)) throw invalid();
  if (!validAt(at) || !validId(id)) throw invalid();
  return { sort, priority: Number(priority), slaDueAt: sla || null, lastActivityAt: at, id };
}
