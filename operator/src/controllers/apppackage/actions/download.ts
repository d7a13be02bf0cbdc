/**
 * Download: the CSAR into the content-addressed cache (resumed after an interruption, refused
 * past the size limit or with another digest than spec.sha256). A file already cached under
 * its digest is not fetched again only when this package's own source served that digest
 * before (`knownSha256`); otherwise the source is asked, and refuses or serves it like any
 * download. Sets Downloaded, status.digest and status.sizeBytes — status.digest is the record
 * that this package's source served the digest. A package refused as too large where the
 * Tenant's bytes were the lowest cap is NotPermitted, naming spec.limits.packageBytes.
 */
import type { DownloadSource } from '../../../appstore/client.js';
import { download as fetchPackage, DownloadError } from '../../../packages/download.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { markProgress } from '../draft.js';
import type { ActionContext } from './context.js';
import { notPermitted } from './not-permitted.js';
import { fail } from './report-failure.js';

export interface DownloadInput {
  readonly source: DownloadSource;
  readonly expectedSha256?: string;
  /**
   * status.digest, when it is also the digest wanted: this package's source served it, so the
   * cached file may stand in for the source (not enforced). Without it the source is asked even
   * when the digest is cached, as another package's download proves nothing for this one.
   */
  readonly knownSha256?: string;
  readonly maxBytes: number;
  /** Set when maxBytes is what is left of the Tenant's bytes: the refusal to show for a package too large. */
  readonly overBudget?: string;
}

export async function download(ctx: ActionContext, input: DownloadInput, cacheDir: string, timeoutMs: number): Promise<ReconcileResult> {
  let file: { sha256: string; size: number };
  try {
    file = await fetchPackage({
      url: input.source.url, headers: input.source.headers, expectedSha256: input.expectedSha256, knownSha256: input.knownSha256,
      reuseCached: input.knownSha256 !== undefined, maxBytes: input.maxBytes, cacheDir, timeoutMs, signal: ctx.signal,
    });
  } catch (error) {
    if (error instanceof DownloadError && error.reason === 'PackageTooLarge' && input.overBudget !== undefined) {
      return notPermitted(ctx, { kind: 'NotPermitted', condition: 'Downloaded', message: input.overBudget });
    }
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
