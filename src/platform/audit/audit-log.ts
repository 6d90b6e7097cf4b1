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

/** Appends several audit rows in one INSERT (a campaign's batch of policy decisions). */
export async function writeAudits(db: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(auditLog).values(
    entries.map((entry) => ({
      orgId: entry.orgId ?? null,
      actorKind: entry.actorKind,
      actorId: entry.actorId ?? null,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId ?? null,
      ip: entry.ip ?? null,
      requestId: entry.requestId ?? null,
      detail: entry.detail ?? {},
    })),
  );
}
