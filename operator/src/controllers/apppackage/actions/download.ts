/**
 * Download: the CSAR into the content-addressed cache (resumed after an interruption, refused
 * past the size limit or with another digest than spec.sha256). A file already cached under
 * its digest is not fetched again. Sets Downloaded, status.digest and status.sizeBytes.
 */
import type { DownloadSource } from '../../../appstore/client.js';
import { download as fetchPackage, DownloadError } from '../../../packages/download.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { markProgress } from '../draft.js';
import type { ActionContext } from './context.js';
import { fail } from './report-failure.js';

export interface DownloadInput {
  readonly source: DownloadSource;
  readonly expectedSha256?: string;
  /** status.digest: reused from the cache when there, not enforced. */
  readonly knownSha256?: string;
  readonly maxBytes: number;
}

export async function download(ctx: ActionContext, input: DownloadInput, cacheDir: string, timeoutMs: number): Promise<ReconcileResult> {
  let file: { sha256: string; size: number };
  try {
    file = await fetchPackage({
      url: input.source.url, headers: input.source.headers, expectedSha256: input.expectedSha256, knownSha256: input.knownSha256,
      maxBytes: input.maxBytes, cacheDir, timeoutMs, signal: ctx.signal,
    });
  } catch (error) {
    if (error instanceof DownloadError) return fail(ctx, 'Downloaded', error);
    throw error;
  }
  ctx.draft.set('Downloaded', true, 'DownloadSucceeded', `Downloaded ${file.size} bytes, sha256 ${file.sha256}.`);
  ctx.draft.value.digest = `sha256:${file.sha256}`;
  ctx.draft.value.sizeBytes = file.size;
  markProgress(ctx.draft, ctx.pkg, 'Parsing and verifying the package.');
  await ctx.commit();
  return requeueAfter(0);
}
