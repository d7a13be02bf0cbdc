/**
 * Reading a multipart upload: its one file is streamed to a private scratch file (never held
 * in memory) while its SHA-256 is computed, its other parts are collected as strings. Anything
 * malformed — not multipart, a broken body, a second file, a file past the size limit, too many
 * or too large fields — is a NorthError 4xx with what was wrong, and the scratch file is gone.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { badRequest, NorthError } from './errors.js';

export interface UploadedFile {
  readonly path: string;
  /** The name the client gave the file part. */
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
}

export interface Upload {
  readonly fields: Readonly<Record<string, string>>;
  /** The file part named `fileField`, if one came. */
  readonly file: UploadedFile | undefined;
  /** Removes the scratch file; call when done with it, whatever happened. */
  discard(): Promise<void>;
}

export interface UploadLimits {
  readonly fileField: string;
  readonly maxFileBytes: number;
  readonly scratchDir: string;
}

const maxFieldBytes = 64 * 1024;

export async function readUpload(request: FastifyRequest, limits: UploadLimits): Promise<Upload> {
  if (!request.isMultipart()) throw new NorthError(415, 'the body must be multipart/form-data');
  await mkdir(limits.scratchDir, { recursive: true, mode: 0o700 });
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  let scratch: string | undefined;
  const discard = async () => {
    if (scratch) await rm(scratch, { force: true });
  };
  try {
    const parts = request.parts({ limits: { files: 1, fields: 16, parts: 17, fieldSize: maxFieldBytes, fileSize: limits.maxFileBytes, headerPairs: 32 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.valueTruncated) throw badRequest(`form field ${part.fieldname} is longer than ${maxFieldBytes} bytes`);
        if (typeof part.value !== 'string') throw badRequest(`form field ${part.fieldname} is not text`);
        if (part.fieldname in fields) throw badRequest(`form field ${part.fieldname} is sent twice`);
        fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== limits.fileField) {
        part.file.resume();
        throw badRequest(`unexpected file part ${part.fieldname}: the file goes in part ${limits.fileField}`);
      }
      scratch = join(limits.scratchDir, `upload-${randomUUID()}`);
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(part.file, meter, createWriteStream(scratch, { mode: 0o600 }));
      if (part.file.truncated) throw tooLarge(limits.maxFileBytes);
      file = { path: scratch, filename: part.filename, sha256: hash.digest('hex'), size };
    }
  } catch (error) {
    await discard();
    throw asUploadError(error, limits.maxFileBytes);
  }
  return { fields, file, discard };
}

const tooLarge = (max: number) => new NorthError(413, `the file is larger than ${max} bytes, the most this operator accepts (--north-max-upload-size)`);

/** Busboy and @fastify/multipart throw their own errors, some without a status: all are the client's. */
function asUploadError(error: unknown, maxFileBytes: number): NorthError {
  if (error instanceof NorthError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxFileBytes);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') return new NorthError(413, 'the form has too many parts: send one file and the documented fields');
  if (code === 'FST_PROTO_VIOLATION') return badRequest('a form field name is not allowed');
  const message = error instanceof Error ? error.message : 'unreadable';
  return badRequest(`the multipart body is malformed (${message.slice(0, 200)})`);
}
