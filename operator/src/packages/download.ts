/**
 * Downloads a package into a bounded cache: streamed to a partial file (never held in
 * memory), resumed with an HTTP Range request after an interruption, refused past the size
 * limit, checked against the expected SHA-256, and kept as `<sha256>.csar` so a restart does
 * not download it again. A requester that cannot show its source served a digest before
 * (`reuseCached: false`) is served from its source even when the digest is cached: knowing a
 * digest is not being allowed to have the package.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import type { ReasonedError } from '../runtime/reconcile.js';

export type DownloadFailureReason = 'SourceUnreachable' | 'SourceRefused' | 'SourceNotFound' | 'SourceError' | 'PackageTooLarge' | 'DigestMismatch' | 'Interrupted';

/** A download that failed; `transient` failures are retried with backoff. */
export class DownloadError extends Error implements ReasonedError {
  /** The source said when to come back (Retry-After on 429/503). */
  readonly retryAfterMs?: number;

  constructor(readonly reason: DownloadFailureReason, message: string, readonly transient: boolean, retryAfterMs?: number) {
    super(message);
    this.name = 'DownloadError';
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Retry-After (seconds or an HTTP date) as milliseconds, kept between 1 s and 10 min: a source
 * may slow us down, not stop us for good or make us hammer it.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 1000), 600_000) : undefined;
}

export interface DownloadRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expectedSha256?: string;
  /** A digest downloaded before (e.g. status.digest): reused from the cache when present, not enforced. */
  readonly knownSha256?: string;
  /**
   * Whether a file cached under `expectedSha256 ?? knownSha256` is returned without asking the
   * source (default true). False when the requester has no proof that its own source serves that
   * digest (someone else cached it): the source is asked and the download checked, and the
   * requester gets the package only if the source serves it.
   */
  readonly reuseCached?: boolean;
  readonly maxBytes: number;
  readonly cacheDir: string;
  /** Idle timeout: no byte for this long breaks the download off (it resumes later). */
  readonly timeoutMs: number;
  /** Total deadline of one attempt (default 30 min); what arrived by then is kept for the resume. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
}

export interface Downloaded {
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
  /** True when the file was already in the cache and nothing was fetched. */
  readonly cached: boolean;
}

export function cachedFileFor(cacheDir: string, sha256: string): string {
  return join(cacheDir, `${sha256}.csar`);
}

export async function download(request: DownloadRequest): Promise<Downloaded> {
  await mkdir(join(request.cacheDir, 'partial'), { recursive: true });
  const known = request.expectedSha256 ?? request.knownSha256;
  if (known && request.reuseCached !== false) {
    // Content-addressed: a file only gets its digest's name after its hash was checked, so its
    // presence is enough — no re-reading of a large package on every reconcile.
    const file = cachedFileFor(request.cacheDir, known);
    const existing = await sizeOf(file);
    if (existing !== undefined) return { file, sha256: known, size: existing, cached: true };
  }
  const partial = join(request.cacheDir, 'partial', `${createHash('sha256').update(request.url).digest('hex')}.part`);
  const deadline = AbortSignal.timeout(request.deadlineMs ?? 30 * 60_000);
  await fetchInto(partial, { ...request, signal: request.signal ? AbortSignal.any([request.signal, deadline]) : deadline });
  const digest = await sha256Of(partial);
  if (request.expectedSha256 && digest !== request.expectedSha256) {
    await rm(partial, { force: true });
    throw new DownloadError('DigestMismatch',
      `The download from ${hostOf(request.url)} has SHA-256 ${digest}, not the expected ${request.expectedSha256}; check spec.sha256 or the source.`, false);
  }
  const file = cachedFileFor(request.cacheDir, digest);
  await rename(partial, file);
  return { file, sha256: digest, size: (await sizeOf(file)) ?? 0, cached: false };
}

/** Fetches into `partial`, continuing from its current size when the server honours Range. */
async function fetchInto(partial: string, request: DownloadRequest): Promise<void> {
  const have = (await sizeOf(partial)) ?? 0;
  if (have > request.maxBytes) await rm(partial, { force: true });
  const offset = have > request.maxBytes ? 0 : have;
  const response = await get(request, offset > 0 ? { Range: `bytes=${offset}-` } : {});
  const status = response.statusCode ?? 0;
  if (status === 416 && offset > 0) {
    // Our partial file is already complete (or longer than the source): start over once.
    response.resume();
    await rm(partial, { force: true });
    return fetchInto(partial, request);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw failureFor(status, request.url, retryAfterMs(response.headers['retry-after']));
  }
  const resumed = status === 206;
  const length = Number(response.headers['content-length'] ?? Number.NaN);
  const total = (resumed ? offset : 0) + (Number.isFinite(length) ? length : 0);
  if (total > request.maxBytes) {
    response.destroy();
    throw tooLarge(request);
  }
  let written = resumed ? offset : 0;
  // Written by hand rather than with pipeline(): on a broken connection pipeline() destroys the
  // file stream and may drop bytes not yet flushed, and those are what a resume starts from.
  const out = createWriteStream(partial, { flags: resumed ? 'a' : 'w' });
  let failure: unknown;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > request.maxBytes) throw tooLarge(request);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    failure = error;
  } finally {
    out.end();
    await finished(out).catch(() => undefined);
  }
  if (failure instanceof DownloadError) {
    await rm(partial, { force: true });
    throw failure;
  }
  if (failure) {
    throw new DownloadError('Interrupted',
      `The download from ${hostOf(request.url)} broke off after ${written} bytes; it resumes from there on the next attempt.`, true);
  }
  if (Number.isFinite(length) && written !== total) {
    throw new DownloadError('Interrupted', `The download from ${hostOf(request.url)} ended after ${written} of ${total} bytes; it resumes on the next attempt.`, true);
  }
}

function get(request: DownloadRequest, extra: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { headers: { ...request.headers, ...extra }, timeout: request.timeoutMs, signal: request.signal }, resolve);
    req.on('timeout', () => req.destroy(new Error(`no data for ${request.timeoutMs} ms`)));
    req.on('error', (error) => reject(new DownloadError('SourceUnreachable', `Cannot download from ${url.host}: ${error.message}`, true)));
    req.end();
  });
}

function failureFor(status: number, url: string, retryAfter: number | undefined): DownloadError {
  const host = hostOf(url);
  if (status === 401 || status === 403) {
    return new DownloadError('SourceRefused', `${host} refused the download (HTTP ${status}); check the credentials Secret.`, false);
  }
  if (status === 404) return new DownloadError('SourceNotFound', `${host} has no such package (HTTP 404); check the appId/packageId or URL.`, false);
  const transient = status >= 500 || status === 429;
  const later = transient && retryAfter !== undefined ? ` It asked to come back in ${Math.round(retryAfter / 1000)} s.` : '';
  return new DownloadError('SourceError', `${host} answered HTTP ${status}.${later}`, transient, transient ? retryAfter : undefined);
}

function tooLarge(request: DownloadRequest): DownloadError {
  return new DownloadError('PackageTooLarge',
    `The package from ${hostOf(request.url)} is larger than ${request.maxBytes} bytes, the limit of spec.maxSizeBytes and the operator's --max-package-size (the lower one wins).`, false);
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function hostOf(url: string): string {
  return new URL(url).host;
}
