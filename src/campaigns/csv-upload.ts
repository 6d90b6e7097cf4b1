import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError } from '../platform/http/http-error';

/** A CSV upload kept on disk while it is imported: never whole in memory. */
export interface SpooledCsv {
  file: string;
  bytes: number;
  /** `latin1` when the bytes are not valid UTF-8 (a spreadsheet's "CSV (Windows)" export). */
  encoding: 'utf8' | 'latin1';
  /** `;` when the header line has more semicolons than commas (European spreadsheet exports). */
  delimiter: ',' | ';';
  remove(): void;
}

/** Counts bytes (refusing past the limit) and checks UTF-8 validity as the body streams through. */
class UploadInspector extends Transform {
  bytes = 0;
  tooLarge = false;
  validUtf8 = true;
  headerLine = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private headerDone = false;
  private readonly headerBytes: Buffer[] = [];

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      // Read the rest and drop it: failing the stream would close the socket before the 413 is sent.
      this.tooLarge = true;
      done();
      return;
    }
    if (this.validUtf8) {
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        this.validUtf8 = false;
      }
    }
    if (!this.headerDone) {
      const newline = chunk.indexOf(0x0a);
      this.headerBytes.push(newline < 0 ? chunk : chunk.subarray(0, newline));
      this.headerDone = newline >= 0 || Buffer.concat(this.headerBytes).length > 64 * 1024;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.validUtf8) {
      try {
        this.decoder.decode();
      } catch {
        this.validUtf8 = false;
      }
    }
    this.headerLine = Buffer.concat(this.headerBytes).toString('latin1');
    done();
  }
}

/** The charset a Content-Type names, lower-cased (`text/csv; charset=ISO-8859-1`). */
function charsetOf(contentType: string | undefined): string | undefined {
  return /charset="?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

const tooLargeError = (maxBytes: number) =>
  new HttpError(413, 'import_too_large', `A contact import may be at most ${maxBytes} bytes`);

/** Room for a multipart body's boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * Streams the request body to a temporary file, refusing (413) past `maxBytes`, whether or not the
 * client sent a Content-Length. The encoding is what the Content-Type declares, else UTF-8 when the
 * bytes are valid UTF-8, else Latin-1.
 */
export async function spoolCsvUpload(req: Request, maxBytes: number): Promise<SpooledCsv> {
  const declared = Number(req.headers['content-length']);
  // Node reads and drops the unread body after the answer, or closes the connection.
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLargeError(maxBytes);
  return spoolCsv(req, charsetOf(req.headers['content-type']), maxBytes);
}

/**
 * The same for a form upload (`multipart/form-data`, the field `file`, as a browser's file input or
 * `curl -F file=@patients.csv` sends it): the file part is streamed to disk as it arrives, busboy
 * parsing the parts; other fields are ignored, a second file is refused.
 */
export async function spoolMultipartCsvUpload(req: Request, maxBytes: number): Promise<SpooledCsv> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD) throw tooLargeError(maxBytes);
  let parser: busboy.Busboy;
  try {
    // One byte over the limit is enough to know it is too large; busboy stops the part there.
    parser = busboy({ headers: req.headers, limits: { files: 2, fields: 20, fileSize: maxBytes + 1 } });
  } catch {
    throw new HttpError(400, 'import_malformed_upload', 'The multipart body has no boundary');
  }
  const spooled: Promise<SpooledCsv>[] = [];
  let extraFiles = 0;
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || spooled.length > 0) {
        if (name === 'file') extraFiles += 1;
        stream.resume();
        return;
      }
      spooled.push(spoolCsv(stream, charsetOf(info.mimeType), maxBytes));
    });
    parser.on('close', resolve);
    parser.on('error', () =>
      reject(new HttpError(400, 'import_malformed_upload', 'The multipart body could not be read')),
    );
  });
  try {
    await pipeline(req, parser);
    await finished;
  } catch (error) {
    for (const one of await Promise.allSettled(spooled)) {
      if (one.status === 'fulfilled') one.value.remove();
    }
    throw error instanceof HttpError
      ? error
      : new HttpError(400, 'import_malformed_upload', 'The multipart body could not be read');
  }
  const [upload] = spooled;
  if (!upload) throw new HttpError(400, 'import_file_missing', 'Send the CSV file in the form field "file"');
  const file = await upload;
  if (extraFiles > 0) {
    file.remove();
    throw new HttpError(400, 'import_one_file', 'Send one CSV file per import');
  }
  return file;
}

async function spoolCsv(
  source: Readable,
  charset: string | undefined,
  maxBytes: number,
): Promise<SpooledCsv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-import-'));
  const file = path.join(dir, 'upload.csv');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const inspector = new UploadInspector(maxBytes);
  try {
    await pipeline(source, inspector, fs.createWriteStream(file));
  } catch (error) {
    remove();
    throw error;
  }
  if (inspector.tooLarge) {
    remove();
    throw tooLargeError(maxBytes);
  }
  const latin1 = charset ? /^(iso-8859-1|latin1|windows-1252|cp1252)$/.test(charset) : !inspector.validUtf8;
  const header = inspector.headerLine;
  const semicolons = header.split(';').length - 1;
  const commas = header.split(',').length - 1;
  return {
    file,
    bytes: inspector.bytes,
    encoding: latin1 ? 'latin1' : 'utf8',
    delimiter: semicolons > commas ? ';' : ',',
    remove,
  };
}
