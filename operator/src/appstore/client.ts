/**
 * The EdgeGallery appstore (appstore-be) as the operator reaches it: where a package is
 * downloaded and how the request is authorised. The appstore's only auth header is
 * `access_token: <JWT>` (appstore-be Consts.ACCESS_TOKEN); it sends no Authorization header of
 * its own, but basic credentials are passed through for stores behind a proxy that asks for them.
 *
 *   GET {url}/mec/appstore/v1/apps/{appId}/packages/{packageId}/action/download?isDownloadImage=false
 *       access_token: <token>
 */

/** Credentials for a package source, as read from the user's Secret. */
export type SourceCredentials =
  | { readonly kind: 'Token'; readonly token: string }
  | { readonly kind: 'Basic'; readonly username: string; readonly password: string };

/** One package (one version of an app) in an appstore. */
export interface AppstorePackage {
  /** Base URL of the appstore; the API paths are appended. */
  readonly url: string;
  readonly appId: string;
  readonly packageId: string;
}

/** What to GET for a package: its URL and headers. */
export interface DownloadSource {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The header the appstore reads its token from. */
export const accessTokenHeader = 'access_token';

/**
 * The download of a package's CSAR. `isDownloadImage=false`: the CSAR as uploaded, without
 * image files merged in (the operator mirrors images from their registries itself).
 */
export function packageDownload(pkg: AppstorePackage, credentials?: SourceCredentials): DownloadSource {
  // Ids are restricted by the CRD to characters that need no escaping; encoding still keeps a
  // stray one from changing the path.
  const path = `/mec/appstore/v1/apps/${encodeURIComponent(pkg.appId)}/packages/${encodeURIComponent(pkg.packageId)}/action/download`;
  return { url: `${pkg.url.replace(/\/+$/, '')}${path}?isDownloadImage=false`, headers: appstoreHeaders(credentials) };
}

/** A token goes in `access_token`; username and password as HTTP basic. */
export function appstoreHeaders(credentials: SourceCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return credentials.kind === 'Token' ? { [accessTokenHeader]: credentials.token } : { Authorization: basic(credentials) };
}

/** For a plain HTTP(S) source: a token as a Bearer token; username and password as HTTP basic. */
export function httpHeaders(credentials: SourceCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return { Authorization: credentials.kind === 'Token' ? `Bearer ${credentials.token}` : basic(credentials) };
}

function basic(credentials: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
