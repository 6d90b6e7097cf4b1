import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Queryable } from '../platform/db/database';
import { organizations } from '../platform/db/schema';
import { startPeriodic } from '../platform/runtime/periodic-task';
import type { OrganizationRow } from './organization';

/** The clinic settings an admin may change while the hub runs (PATCH /api/v1/settings). */
export type ClinicSettingsPatch = Partial<
  Pick<
    OrganizationRow,
    'timeZone' | 'helpText' | 'crisisLine' | 'acknowledgement' | 'chatAppearance' | 'csat'
  >
>;

/**
 * The clinic's settings as the running hub uses them. Every part of the hub holds (or reads through
 * to) the same organization object, so a change is applied to it in place: the next webhook, send
 * or report reads the new value without a restart. Other hub processes are told through `announce`
 * and re-read the row (see `reload`).
 */
export class ClinicSettings {
  readonly #db: Queryable;
  readonly #org: OrganizationRow;
  readonly #announce: () => void;

  constructor(db: Queryable, org: OrganizationRow, announce: () => void) {
    this.#db = db;
    this.#org = org;
    this.#announce = announce;
  }

  get current(): Readonly<OrganizationRow> {
    return this.#org;
  }

  /** Stores a change in `db` (the caller's transaction); apply the returned row once it commits. */
  async store(db: Queryable, patch: ClinicSettingsPatch): Promise<OrganizationRow> {
    const [row] = await db
      .update(organizations)
      .set(patch)
      .where(eq(organizations.id, this.#org.id))
      .returning();
    if (!row) throw new Error('the organization row is gone');
    return row;
  }

  /** Makes a committed row the live settings here and tells the other processes. */
  applyCommitted(row: OrganizationRow): void {
    this.#apply(row);
    this.#announce();
  }

  /** Re-reads the row (another process changed it). */
  async reload(): Promise<void> {
    const [row] = await this.#db.select().from(organizations).where(eq(organizations.id, this.#org.id));
    if (row) this.#apply(row);
  }

  #apply(row: OrganizationRow): void {
    this.#org.timeZone = row.timeZone;
    this.#org.helpText = row.helpText;
    this.#org.crisisLine = row.crisisLine;
    this.#org.acknowledgement = row.acknowledgement;
    this.#org.chatAppearance = row.chatAppearance;
    this.#org.csat = row.csat;
  }
}

/** The notice other hub processes get (through socket.io's adapter) when an admin changes a setting. */
const SETTINGS_CHANGED = 'clinic-settings.changed';

/** Where the notice travels: socket.io's server-side events between hub processes. */
interface ProcessNotices {
  serverSideEmit(event: string): unknown;
  on(event: string, listener: () => void): unknown;
}

/**
 * Clinic settings shared by every hub process: admins change the time zone, HELP reply and crisis
 * line at run time; the others are told by a notice and re-read them, and once a minute anyway,
 * should a notice be lost.
 */
export function startClinicSettings(db: Queryable, org: OrganizationRow, logger: Logger) {
  let notices: ProcessNotices | undefined;
  const settings = new ClinicSettings(db, org, () => notices?.serverSideEmit(SETTINGS_CHANGED));
  const refresh = startPeriodic(logger, 'clinic settings refresh', 60, async () => {
    await settings.reload();
    return 0;
  });
  return {
    settings,
    periodic: [refresh],
    workers: [],
    queues: [],
    /** Starts sending and hearing notices, once the socket server exists. */
    listen(through: ProcessNotices): void {
      notices = through;
      through.on(SETTINGS_CHANGED, () => {
        settings.reload().catch((err) => logger.warn({ err }, 'clinic settings reload failed'));
      });
    },
  };
}
