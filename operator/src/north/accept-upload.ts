/**
 * An upload from the request to the hub registry, shared by both flows: read the multipart
 * body (uploads.ts), check its fields, open the CSAR (inspect-upload.ts), store the bytes
 * (package-bytes.ts). The scratch file is gone when this returns or throws; `check` runs
 * between reading and storing, so a request refused for its fields stores nothing.
 */
import type { FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { NorthDeps } from './deps.js';
import { badRequest } from './errors.js';
import { validFields } from './fields.js';
import { inspectUpload } from './inspect-upload.js';
import type { AppFacts } from './objects.js';
import { readUpload, type UploadedFile } from './uploads.js';

export interface AcceptedUpload<F> {
  readonly fields: F;
  readonly facts: AppFacts;
  readonly file: Omit<UploadedFile, 'path'>;
  /** Where the AppPackage downloads it from. */
  readonly url: string;
}

export async function acceptUpload<S extends TSchema, C>(
  deps: NorthDeps, request: FastifyRequest, namespace: string,
  form: { readonly fields: S; readonly fileField: string },
  check: (fields: Static<S>, file: UploadedFile) => C,
): Promise<AcceptedUpload<Static<S>> & { readonly checked: C }> {
  const upload = await readUpload(request, { fileField: form.fileField, maxFileBytes: deps.settings.maxUploadBytes, scratchDir: deps.settings.scratchDir });
  try {
    const fields = validFields(form.fields, upload.fields);
    const file = upload.file;
    if (!file || file.size === 0) throw badRequest(`the form has no file in part ${form.fileField}, or it is empty`);
    const checked = check(fields, file);
    const facts = await inspectUpload(file.path, deps.settings.scratchDir);
    const url = await deps.bytes.put(namespace, file);
    return { fields, facts, file: { filename: file.filename, sha256: file.sha256, size: file.size }, url, checked };
  } finally {
    await upload.discard();
  }
}
