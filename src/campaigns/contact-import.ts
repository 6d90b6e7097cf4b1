import fs from 'node:fs';
import { type CsvError, parse } from 'csv-parse';
import { and, eq, sql, TransactionRollbackError } from 'drizzle-orm';
import type { Logger } from 'pino';
import { audienceMembers, contactImportErrors, contactImports } from '../platform/db/campaign-schema';
import { isUniqueViolation } from '../platform/db/connection-errors';
import { contactIdentities, contacts, type IdentityKind } from '../platform/db/core-schema';
import type { Database, Transaction } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { type ImportedContact, type RowProblem, validateImportRow } from './contact-import-row';
import type { SpooledCsv } from './csv-upload';

/** Rows applied per transaction: few enough that one batch never holds locks for long. */
const BATCH_ROWS = 200;
/** The error report keeps this many rows; a file that bad is summarized by its counts. */
const MAX_REPORTED_ERRORS = 10_000;
/** One CSV record may be at most this long (a runaway quote would otherwise swallow the file). */
const MAX_RECORD_BYTES = 64 * 1024;

interface ImportRecord {
  line: number;
  record: Record<string, string | undefined>;
}

/** Why a row could not be applied; reported with its line, never with its content. */
class RowRejected extends Error {
  constructor(readonly problem: RowProblem) {
    super(problem.message);
  }
}

/** The CSV records of a spooled file, with their line numbers; unparseable records are reported and skipped. */
async function* readRecords(
  upload: SpooledCsv,
  onSkipped: (line: number, code: string) => void,
): AsyncGenerator<ImportRecord> {
  const parser = fs.createReadStream(upload.file, { encoding: upload.encoding }).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim()),
      delimiter: upload.delimiter,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
      on_skip: (err: CsvError | undefined) => {
        const line = typeof err?.lines === 'number' ? err.lines : 0;
        onSkipped(line, err?.code ?? 'CSV_INVALID_RECORD');
        return undefined;
      },
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { line: info.lines, record };
  }
}

const csvProblem = (code: string): RowProblem => ({
  column: null,
  code: 'malformed_row',
  message: `the row could not be read as CSV (${code}): check its quoting and number of fields`,
});

export interface ImportCounts {
  total: number;
  created: number;
  updated: number;
  rejected: number;
}

/**
 * The first pass over an upload, before anything is written: the header must name an identity
 * column and the file must parse to its end. A file that fails here is refused whole (400), so an
 * import never stops half-way because of its CSV.
 */
export async function checkUpload(upload: SpooledCsv): Promise<void> {
  let sawRecord = false;
  let unclosedQuote = false;
  const skipped = (_line: number, code: string) => {
    // A quote opened and never closed swallows the rest of the file: that file is refused whole.
    if (code === 'CSV_QUOTE_NOT_CLOSED') unclosedQuote = true;
  };
  try {
    for await (const { record } of readRecords(upload, skipped)) {
      if (!sawRecord) {
        sawRecord = true;
        const columns = Object.keys(record);
        if (!columns.some((c) => c === 'externalId' || c === 'phone' || c === 'email')) {
          throw new HttpError(
            400,
            'import_no_identity_column',
            'The header needs an externalId, phone or email column',
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const code = (error as CsvError).code ?? 'CSV_INVALID';
    throw new HttpError(400, 'import_malformed_csv', `The file is not readable as CSV (${code})`, { code });
  }
  if (unclosedQuote) {
    throw new HttpError(400, 'import_malformed_csv', 'A quote opened in the file is never closed', {
      code: 'CSV_QUOTE_NOT_CLOSED',
    });
  }
  if (!sawRecord) throw new HttpError(400, 'import_empty', 'The file has a header but no rows');
}

/**
 * Applies an upload to the contacts: each row matched by external id, else by phone or email, and
 * updated with only the fields it gives; a new person is created. A row whose identifiers point at
 * two different contacts is rejected, never merged. A dry run does the same work and rolls it back.
 */
export async function runContactImport(
  deps: { db: Database; logger: Logger; defaultRegion: string },
  importId: string,
  orgId: string,
  upload: SpooledCsv,
  dryRun: boolean,
  /** A static list (audiences of kind `list`) each applied row's contact joins. */
  listId?: string,
): Promise<ImportCounts> {
  const { db } = deps;
  const counts: ImportCounts = { total: 0, created: 0, updated: 0, rejected: 0 };
  const errors: (typeof contactImportErrors.$inferInsert)[] = [];
  let reported = 0;
  const reject = (line: number, problem: RowProblem) => {
    counts.rejected += 1;
    if (reported < MAX_REPORTED_ERRORS) {
      reported += 1;
      errors.push({ importId, line, ...problem });
    }
  };
  const today = new Date().toISOString().slice(0, 10);

  const flush = async (batch: { line: number; contact: ImportedContact }[]) => {
    if (batch.length > 0) {
      await db
        .transaction(async (tx) => {
          for (const row of batch) {
            try {
              const outcome = await tx.transaction(async (savepoint) => {
                const applied = await applyRow(savepoint, orgId, row.contact);
                if (listId) {
                  // The row's own columns stay with the list: the contact's attributes are those
                  // of whichever file came last (list-columns.ts).
                  await savepoint
                    .insert(audienceMembers)
                    .values({
                      audienceId: listId,
                      contactId: applied.contactId,
                      columns: row.contact.attributes,
                    })
                    .onConflictDoUpdate({
                      target: [audienceMembers.audienceId, audienceMembers.contactId],
                      set: { columns: row.contact.attributes },
                    });
                }
                return applied.outcome;
              });
              counts[outcome] += 1;
            } catch (error) {
              if (error instanceof RowRejected) reject(row.line, error.problem);
              else if (isUniqueViolation(error)) {
                // Another writer took the same address or external id meanwhile (Drizzle wraps the
                // driver's error, so its code is on the cause, not on the error caught here).
                reject(row.line, {
                  column: null,
                  code: 'concurrent_change',
                  message: 'the contact changed while this row was applied; import the row again',
                });
              } else throw error;
            }
          }
          if (dryRun) tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
    }
    if (errors.length > 0) await db.insert(contactImportErrors).values(errors.splice(0));
    await db
      .update(contactImports)
      .set({ ...counts })
      .where(eq(contactImports.id, importId));
  };

  let batch: { line: number; contact: ImportedContact }[] = [];
  for await (const { line, record } of readRecords(upload, (skippedLine, code) => {
    counts.total += 1;
    reject(skippedLine, csvProblem(code));
  })) {
    counts.total += 1;
    const validated = validateImportRow(record, { defaultRegion: deps.defaultRegion, today });
    if (!validated.ok) reject(line, validated.problem);
    else batch.push({ line, contact: validated.contact });
    if (batch.length >= BATCH_ROWS) {
      await flush(batch);
      batch = [];
    }
  }
  await flush(batch);
  return counts;
}

async function ownerOf(tx: Transaction, orgId: string, kind: IdentityKind, address: string | undefined) {
  if (!address) return undefined;
  const [row] = await tx
    .select({ contactId: contactIdentities.contactId })
    .from(contactIdentities)
    .where(
      and(
        eq(contactIdentities.orgId, orgId),
        eq(contactIdentities.kind, kind),
        eq(contactIdentities.address, address),
      ),
    );
  return row?.contactId;
}

/** Sets the contact's address of one kind to `address` (the file's), as the contact API does. */
async function replaceIdentity(
  tx: Transaction,
  orgId: string,
  contactId: string,
  kind: IdentityKind,
  address: string,
  currentOwner: string | undefined,
) {
  if (currentOwner === contactId) return;
  await tx
    .delete(contactIdentities)
    .where(and(eq(contactIdentities.contactId, contactId), eq(contactIdentities.kind, kind)));
  await tx.insert(contactIdentities).values({ orgId, contactId, kind, address });
}

async function applyRow(
  tx: Transaction,
  orgId: string,
  row: ImportedContact,
): Promise<{ outcome: 'created' | 'updated'; contactId: string }> {
  const [byExternalId] = row.externalId
    ? await tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.orgId, orgId), eq(contacts.externalId, row.externalId)))
    : [];
  const phoneOwner = await ownerOf(tx, orgId, 'phone', row.phone);
  const emailOwner = await ownerOf(tx, orgId, 'email', row.email);
  const matches = new Set([byExternalId?.id, phoneOwner, emailOwner].filter((id) => id !== undefined));
  if (matches.size > 1) {
    throw new RowRejected({
      column: null,
      code: 'identity_conflict',
      message:
        'the externalId, phone and email of this row belong to different contacts; merging them is for a person',
    });
  }
  const fields = {
    ...(row.name !== undefined ? { displayName: row.name } : {}),
    ...(row.dateOfBirth !== undefined ? { dateOfBirth: row.dateOfBirth } : {}),
    ...(row.language !== undefined ? { language: row.language } : {}),
    ...(row.timeZone !== undefined ? { timeZone: row.timeZone } : {}),
  };
  const [matched] = [...matches];
  if (!matched) {
    const [created] = await tx
      .insert(contacts)
      .values({
        orgId,
        ...fields,
        externalId: row.externalId ?? null,
        tags: row.tags ?? [],
        attributes: row.attributes,
      })
      .returning({ id: contacts.id });
    if (row.phone)
      await tx
        .insert(contactIdentities)
        .values({ orgId, contactId: created!.id, kind: 'phone', address: row.phone });
    if (row.email)
      await tx
        .insert(contactIdentities)
        .values({ orgId, contactId: created!.id, kind: 'email', address: row.email });
    return { outcome: 'created', contactId: created!.id };
  }
  const [current] = await tx
    .select({ externalId: contacts.externalId })
    .from(contacts)
    .where(eq(contacts.id, matched));
  if (row.externalId && current?.externalId && current.externalId !== row.externalId) {
    throw new RowRejected({
      column: 'externalId',
      code: 'external_id_conflict',
      message: 'the phone or email of this row belongs to a contact with another externalId',
    });
  }
  await tx
    .update(contacts)
    .set({
      ...fields,
      ...(row.externalId ? { externalId: row.externalId } : {}),
      // Tags are added to the contact's (an import of a list labels, it does not unlabel).
      ...(row.tags?.length
        ? {
            tags: sql`(select coalesce(jsonb_agg(distinct t), '[]'::jsonb) from jsonb_array_elements_text(${contacts.tags} || ${JSON.stringify(row.tags)}::jsonb) t)`,
          }
        : {}),
      ...(Object.keys(row.attributes).length
        ? { attributes: sql`${contacts.attributes} || ${JSON.stringify(row.attributes)}::jsonb` }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(contacts.id, matched));
  if (row.phone) await replaceIdentity(tx, orgId, matched, 'phone', row.phone, phoneOwner);
  if (row.email) await replaceIdentity(tx, orgId, matched, 'email', row.email, emailOwner);
  return { outcome: 'updated', contactId: matched };
}
