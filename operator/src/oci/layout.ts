/** Where a package lives in an edge repository: pure naming rules shared by push and delete. */
import { parseReference } from './reference.js';

export interface RepositoryLocation {
  /** http(s)://host:port of the registry. */
  readonly baseUrl: string;
  readonly host: string;
  /** Path prefix inside the registry ('' for none), without slashes at either end. */
  readonly prefix: string;
}

/** An EdgeHost's `spec.repository` (oci://, http:// or https:// URL, maybe with a path prefix). */
export function repositoryLocation(repository: { readonly url: string; readonly insecure?: boolean }): RepositoryLocation {
  const { url, insecure } = repository;
  const scheme = url.startsWith('http://') || insecure ? 'http' : 'https';
  const parsed = new URL(url.replace(/^(oci|https?):\/\//, `${scheme}://`));
  return { baseUrl: `${scheme}://${parsed.host}`, host: parsed.host, prefix: parsed.pathname.replace(/^\/+|\/+$/g, '') };
}

const join = (...parts: string[]) => parts.filter(Boolean).join('/');

/** The chart's repository: unique per AppPackage, so two packages never overwrite each other. */
export function chartRepository(location: RepositoryLocation, namespace: string, pkgName: string, chartName: string): string {
  return join(location.prefix, 'mecm', namespace, pkgName, chartName.toLowerCase());
}

/** `oci://host/repo:version`, as Helm installs it (`helm install x oci://host/repo --version version`). */
export function chartReference(location: RepositoryLocation, repository: string, version: string): string {
  return `oci://${location.host}/${repository}:${version}`;
}

/**
 * Where an image of SwImageDesc.json goes: the source's repository path kept under the edge
 * prefix, so a chart's `imagelocation.domainname/imagelocation.project/name:tag` resolves.
 */
/** A digest-pinned image stays pinned: it is pushed by its digest, never under a tag. */
export function imageTarget(location: RepositoryLocation, swImage: string): { source: ReturnType<typeof parseReference>; repository: string; tag: string } {
  const source = parseReference(swImage);
  return { source, repository: join(location.prefix, source.repository), tag: source.reference };
}
