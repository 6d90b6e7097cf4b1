import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/database';
import { auditLog } from '../db/schema';

export interface AuditEntry {
  orgId?: string | null;
  actorKind: 'staff' | 'patient' | 'system' | 'provider';
  actorId?: string | null;
  /** Dotted verb, e.g. `conversation.read`, `message.reply`, `consent.opt_out`. */
  action: string;
  subjectType: string;
  subjectId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** Identifiers and codes only: never message bodies or contact details. */
  detail?: Record<string, unknown>;
}

/** Appends an audit row; the table refuses updates and deletes. */
export async function writeAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await writeAudits(db, [entry]);
}

/**
 * Appends several audit rows in one INSERT (a campaign's batch of policy decisions): one array per
 * column (unnest), as a statement of thousands of parameters costs more to build than to run.
 */
export async function writeAudits(db: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.execute(auditInsert(entries));
}

/**
 * The INSERT of writeAudits, for a statement that appends the audit rows beside its own change
 * (`with changed as (update ...) insert ...`): one statement less for a caller that writes both.
 */
export function auditInsert(entries: AuditEntry[]): SQL {
  const column = <T>(pick: (entry: AuditEntry) => T) => sql.param(entries.map(pick));
  return sql`
    insert into ${auditLog} (org_id, actor_kind, actor_id, action, subject_type, subject_id, ip, request_id, detail)
    select * from unnest(${column((e) => e.orgId ?? null)}::uuid[], ${column((e) => e.actorKind)}::text[],
      ${column((e) => e.actorId ?? null)}::text[], ${column((e) => e.action)}::text[],
      ${column((e) => e.subjectType)}::text[], ${column((e) => e.subjectId ?? null)}::text[],
      ${column((e) => e.ip ?? null)}::text[], ${column((e) => e.requestId ?? null)}::text[],
      ${column((e) => JSON.stringify(e.detail ?? {}))}::jsonb[])`;
}
