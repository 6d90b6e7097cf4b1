import { stringify } from 'csv-stringify';
import { and, asc, eq, gt } from 'drizzle-orm';
import { type Request, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import { contactImportErrors, contactImports } from '../platform/db/campaign-schema';
import type { Database } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { requireRole } from '../staff/require-role';
import { createList } from './audience-routes';
import { checkUpload, runContactImport } from './contact-import';
import { spoolCsvUpload, spoolMultipartCsvUpload } from './csv-upload';

export interface ContactImportRouterDeps {
  db: Database;
  logger: Logger;
  defaultRegion: string;
  maxBytes: number;
  /** Imports still running in the background: the hub waits for them when it closes. */
  running: Set<Promise<unknown>>;
}

const errorsUrl = (id: string) => `/api/v1/contacts/imports/${id}/errors.csv`;

/** How the file comes: as the body itself (`text/csv`), or as the form field `file` (multipart). */
function uploadKind(req: Request): 'csv' | 'multipart' | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'multipart/form-data') return 'multipart';
  return undefined;
}

/**
 * Contact imports: `POST /contacts/imports` takes a CSV body or a multipart field `file` (`?dryRun=true` changes nothing and
 * reports what would change), answers 202 with the import's id once the file is on disk and reads as
 * CSV, and applies it in the background; `GET /contacts/imports/:id` reports progress and counts;
 * `GET /contacts/imports/:id/errors.csv` is the rejected rows' report. Admins and managers only.
 */
export function contactImportRouter(deps: ContactImportRouterDeps): Router {
  const { db } = deps;
  const router = Router();
  const allowed = requireRole('admin', 'manager');

  router.post('/contacts/imports', allowed, async (req, res) => {
    const kind = uploadKind(req);
    if (!kind) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        'Send the file as a text/csv body, or as the field "file" of a multipart form',
      );
    }
    const dryRun = z
      .enum(['true', 'false'])
      .optional()
      .parse(req.query.dryRun ?? undefined);
    // `?list=NAME`: the rows' contacts also become a static list of that name (not on a dry run).
    const listName = z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .parse(req.query.list ?? undefined);
    if (listName && dryRun === 'true') {
      throw new HttpError(400, 'list_with_dry_run', 'A dry run makes no list; leave out list or dryRun');
    }
    const staff = req.staff!;
    const upload =
      kind === 'csv'
        ? await spoolCsvUpload(req, deps.maxBytes)
        : await spoolMultipartCsvUpload(req, deps.maxBytes);
    try {
      await checkUpload(upload);
    } catch (error) {
      upload.remove();
      throw error;
    }
    const list = listName
      ? await createList(db, staff.orgId, listName, staff.id).catch((error: unknown) => {
          upload.remove();
          throw error;
        })
      : undefined;
    const [row] = await db
      .insert(contactImports)
      .values({ orgId: staff.orgId, createdBy: staff.id, dryRun: dryRun === 'true' })
      .returning();
    const id = row!.id;
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: dryRun === 'true' ? 'contacts.import_dry_run' : 'contacts.import',
      subjectType: 'contact_import',
      subjectId: id,
      ip: req.ip ?? null,
      requestId: req.id,
      detail: {
        bytes: upload.bytes,
        encoding: upload.encoding,
        delimiter: upload.delimiter,
        ...(list ? { listId: list.id } : {}),
      },
    });
    const work = runContactImport(deps, id, staff.orgId, upload, dryRun === 'true', list?.id)
      .then((counts) =>
        db
          .update(contactImports)
          .set({ ...counts, status: 'completed', finishedAt: new Date() })
          .where(eq(contactImports.id, id)),
      )
      .catch(async (err: unknown) => {
        deps.logger.error({ err, importId: id }, 'contact import failed');
        await db
          .update(contactImports)
          .set({ status: 'failed', failureCode: 'import_interrupted', finishedAt: new Date() })
          .where(eq(contactImports.id, id))
          .catch(() => undefined);
      })
      .finally(() => {
        upload.remove();
        deps.running.delete(work);
      });
    deps.running.add(work);
    res
      .status(202)
      .json({ id, status: 'running', errorsUrl: errorsUrl(id), ...(list ? { listId: list.id } : {}) });
  });

  const load = async (req: Request) => {
    const id = z.uuid().parse(req.params.id);
    const [row] = await db
      .select()
      .from(contactImports)
      .where(and(eq(contactImports.id, id), eq(contactImports.orgId, req.staff!.orgId)));
    if (!row) throw new HttpError(404, 'import_not_found', 'No such import');
    return row;
  };

  router.get('/contacts/imports/:id', allowed, async (req, res) => {
    const row = await load(req);
    res.json({
      id: row.id,
      status: row.status,
      dryRun: row.dryRun,
      total: row.total,
      created: row.created,
      updated: row.updated,
      rejected: row.rejected,
      failureCode: row.failureCode,
      errorsUrl: errorsUrl(row.id),
    });
  });

  router.get('/contacts/imports/:id/errors.csv', allowed, async (req, res) => {
    const row = await load(req);
    res.type('text/csv');
    res.attachment(`import-${row.id}-errors.csv`);
    const csv = stringify({ header: true, columns: ['line', 'column', 'code', 'message'] });
    csv.pipe(res);
    // Page through the report so a large one is never held whole.
    let after = 0;
    for (;;) {
      const page = await db
        .select()
        .from(contactImportErrors)
        .where(and(eq(contactImportErrors.importId, row.id), gt(contactImportErrors.id, after)))
        .orderBy(asc(contactImportErrors.id))
        .limit(1000);
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      for (const e of page) {
        if (!csv.write({ line: e.line, column: e.column ?? '', code: e.code, message: e.message })) {
          await new Promise((resolve) => csv.once('drain', resolve));
        }
      }
    }
    csv.end();
  });

  return router;
}
