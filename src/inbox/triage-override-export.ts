import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import type { Database } from '../platform/db/database';
import { messages } from '../platform/db/schema';
import { URGENCIES, type Urgency } from '../triage';

/** One staff correction as a line of the triage eval format (see src/triage/triage-evaluation.ts). */
export interface OverrideEvalLine {
  text: string;
  intent: string;
  urgency?: Urgency;
  lang?: string;
}

const isUrgency = (value: unknown): value is Urgency =>
  typeof value === 'string' && (URGENCIES as readonly string[]).includes(value);
const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * What staff say the message was: the intent and urgency they chose, and where they left one unchanged,
 * the machine's (an override of the urgency alone keeps the intent the machine gave). Null when no
 * intent is known or the message has no text (a photo alone teaches a text classifier nothing).
 */
export function overrideToEvalLine(
  body: string,
  machine: Record<string, unknown> | null,
  override: Record<string, unknown>,
): OverrideEvalLine | null {
  const text = body.trim();
  const intent = stringOf(override.intent) ?? stringOf(machine?.intent);
  if (text === '' || !intent) return null;
  const urgency = isUrgency(override.urgency)
    ? override.urgency
    : isUrgency(machine?.urgency)
      ? machine.urgency
      : undefined;
  const lang = stringOf(machine?.language);
  return { text, intent, ...(urgency ? { urgency } : {}), ...(lang ? { lang } : {}) };
}

// Pages keep memory flat however many overrides a clinic has collected.
const PAGE_SIZE = 500;

/** Every overridden inbound message of the organization, as eval lines, read page by page (keyset on id). */
export async function* overrideEvalLines(
  db: Database,
  orgId: string,
  pageSize = PAGE_SIZE,
): AsyncGenerator<OverrideEvalLine> {
  let after: string | null = null;
  for (;;) {
    const page: {
      id: string;
      body: string;
      triage: Record<string, unknown> | null;
      triageOverride: Record<string, unknown> | null;
    }[] = await db
      .select({
        id: messages.id,
        body: messages.body,
        triage: messages.triage,
        triageOverride: messages.triageOverride,
      })
      .from(messages)
      .where(
        and(
          eq(messages.orgId, orgId),
          eq(messages.direction, 'inbound'),
          isNotNull(messages.triageOverride),
          after === null ? undefined : gt(messages.id, after),
        ),
      )
      .orderBy(asc(messages.id))
      .limit(pageSize);
    for (const row of page) {
      const line = overrideToEvalLine(row.body, row.triage, row.triageOverride ?? {});
      if (line) yield line;
    }
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}
