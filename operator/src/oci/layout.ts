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

/** One AppPackage's part of an edge repository. */
export interface PackagePlace {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Everything a package pushes lives under its own prefix, `<edge prefix>/mecm/<namespace>/<name>`:
 * AppPackage names are unique per namespace, so no package can write where another one owns.
 */
export function packagePrefix(location: RepositoryLocation, pkg: PackagePlace): string {
  return join(location.prefix, 'mecm', pkg.namespace, pkg.name);
}

/** The chart's repository, under the package's prefix. */
export function chartRepository(location: RepositoryLocation, namespace: string, pkgName: string, chartName: string): string {
  return join(packagePrefix(location, { namespace, name: pkgName }), chartName.toLowerCase());
}

/** `oci://host/repo:version`, as Helm installs it (`helm install x oci://host/repo --version version`). */
export function chartReference(location: RepositoryLocation, repository: string, version: string): string {
  return `oci://${location.host}/${repository}:${version}`;
}

/**
 * Where the package's images go: `<package prefix>/images/<source repository path>`. A chart
 * finds them as `imagelocation.domainname/imagelocation.project/name:tag` with domainname
 * = imageDomain(…) and project the source path's first part.
 */
export function imagesPrefix(location: RepositoryLocation, pkg: PackagePlace): string {
  return join(packagePrefix(location, pkg), 'images');
}

/** `host[:port]/<images prefix>`: EdgeGallery's `imagelocation.domainname` for this package. */
export function imageDomain(location: RepositoryLocation, pkg: PackagePlace): string {
  return `${location.host}/${imagesPrefix(location, pkg)}`;
}

/** Where one image of SwImageDesc.json goes. A digest-pinned image stays pinned: pushed by its digest, never under a tag. */
export function imageTarget(location: RepositoryLocation, pkg: PackagePlace, swImage: string): { source: ReturnType<typeof parseReference>; repository: string; tag: string } {
  const source = parseReference(swImage);
  return { source, repository: join(imagesPrefix(location, pkg), source.repository), tag: source.reference };
}
