/**
 * Puts a package into one edge host's repository (charts as OCI artifacts, images copied
 * from their source registries) and takes it out again. Each call is idempotent: pushing
 * what is there already moves no blob.
 */
import type { DistributionFailureReason } from '../../api/apppackage-conditions.js';
import { pushChart } from '../../oci/chart.js';
import { copyImage } from '../../oci/copy.js';
import { credentialsFor, type CredentialsByHost } from '../../oci/credentials.js';
import { Registry, RegistryError } from '../../oci/registry.js';
import { chartReference, chartRepository, imageTarget, type RepositoryLocation } from '../../oci/layout.js';
import type { ReasonedError } from '../../runtime/reconcile.js';

export interface PackageContent {
  readonly namespace: string;
  readonly name: string;
  /** The charts: pushed from `path` (SHA-256 hex `sha256`); removals need only name and version. */
  readonly charts: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly name: string; readonly version: string; readonly description?: string }>;
  readonly images: ReadonlyArray<{ readonly swImage: string }>;
  readonly mirror: 'IfReachable' | 'Required' | 'Skip';
  readonly insecureSources: readonly string[];
  /** Credentials of the source registries, each for its own host only. */
  readonly sourceCredentials?: CredentialsByHost;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface PushResult {
  readonly chartReference: string;
  readonly imagesMirrored: number;
  /** Images that could not be copied (IfReachable): what and why. */
  readonly imageProblems: readonly string[];
}

/** A distribution failure; `transient` ones (no answer, 5xx, 429) are retried, others need a change. */
export class DistributionError extends Error implements ReasonedError {
  constructor(readonly reason: DistributionFailureReason, message: string, readonly transient: boolean) {
    super(message);
    this.name = 'DistributionError';
  }
}

export async function pushToHost(location: RepositoryLocation, credentials: Credentials | undefined, content: PackageContent, timeoutMs: number): Promise<PushResult> {
  const target = new Registry({ baseUrl: location.baseUrl, credentials, timeoutMs });
  try {
    let reference = '';
    for (const chart of content.charts) {
      const repository = chartRepository(location, content.namespace, content.name, chart.name);
      await pushChart(target, repository, chart, { path: chart.path, sha256: chart.sha256 });
      reference ||= chartReference(location, repository, chart.version);
    }
    const problems: string[] = [];
    let mirrored = 0;
    if (content.mirror !== 'Skip') {
      for (const image of content.images) {
        try {
          await mirrorImage(target, location, image.swImage, content);
          mirrored += 1;
        } catch (error) {
          const message = `${image.swImage}: ${(error as Error).message}`;
          if (isTargetProblem(error, target)) throw asDistributionError(error, message);
          if (content.mirror === 'Required') throw asDistributionError(error, message, 'ImageMirrorFailed');
          problems.push(message);
        }
      }
    }
    return { chartReference: reference, imagesMirrored: mirrored, imageProblems: problems };
  } catch (error) {
    throw asDistributionError(error, `${location.host}: ${(error as Error).message}`);
  } finally {
    target.close();
  }
}

async function mirrorImage(target: Registry, location: RepositoryLocation, swImage: string, content: PackageContent): Promise<void> {
  const { source, repository, tag } = imageTarget(location, content, swImage);
  const scheme = content.insecureSources.includes(source.host) ? 'http' : 'https';
  const credentials = credentialsFor(content.sourceCredentials, source.host);
  const registry = new Registry({ baseUrl: `${scheme}://${source.host}`, ...(credentials ? { credentials } : {}), timeoutMs: 30_000 });
  try {
    await copyImage(registry, source.repository, source.reference, target, repository, tag);
  } finally {
    registry.close();
  }
}

/** Removes the package's charts from the host's repository (images may serve other packages). */
export async function removeFromHost(location: RepositoryLocation, credentials: Credentials | undefined, content: Pick<PackageContent, 'namespace' | 'name' | 'charts'>, timeoutMs: number): Promise<void> {
  const target = new Registry({ baseUrl: location.baseUrl, credentials, timeoutMs });
  try {
    for (const chart of content.charts) {
      const repository = chartRepository(location, content.namespace, content.name, chart.name);
      const digest = await target.resolve(repository, chart.version);
      if (digest) await target.deleteManifest(repository, digest);
    }
  } catch (error) {
    throw asDistributionError(error, `${location.host}: ${(error as Error).message}`);
  } finally {
    target.close();
  }
}

function isTargetProblem(error: unknown, target: Registry): boolean {
  return error instanceof RegistryError && error.message.includes(target.host);
}

/** No answer, 5xx and 429 may pass on a retry; anything else the registry said needs a change. */
function asDistributionError(error: unknown, message: string, reason?: DistributionFailureReason): DistributionError {
  if (error instanceof DistributionError) return error;
  const status = error instanceof RegistryError ? error.status : undefined;
  const transient = status === undefined || status >= 500 || status === 429;
  const byStatus: DistributionFailureReason = status === undefined ? 'RepositoryUnreachable'
    : status === 401 || status === 403 ? 'RepositoryUnauthorized' : 'RepositoryError';
  return new DistributionError(reason ?? byStatus, message, transient);
}
