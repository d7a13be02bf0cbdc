/**
 * Helm's own record of a release, read without running helm: one Secret per revision,
 * `sh.helm.release.v1.<name>.v<revision>` (type helm.sh/release.v1), labelled owner=helm,
 * name=<release>, version=<revision>, status=<state> — and, for ours, the owner UID. The
 * labels say which revision is the latest (they come from a metadata watch, see
 * edge-cache.ts); its body, base64 of gzipped JSON, holds the chart's name and version and
 * the rendered manifest. This replaces `helm get metadata` and `helm get manifest`: ~0.07 s
 * of CPU each per reconcile before. Pure.
 *
 * The body is the tenant's to write (its identity administers the release's namespace), so
 * it is read with limits: gunzip stops at maxReleaseBytes, and anything that is not a release
 * is Failed, never a crash.
 */
import { gunzipSync } from 'node:zlib';
import type { KubeObject } from '../../runtime/kube/resource.js';
import { LcmError, ownerUidLabel, RELEASE_STATES, type Release, type ReleaseState } from '../plugin.js';
import { parseManifest, type ManifestObject } from './manifest.js';

/** Helm's labels on its storage Secrets (helm.sh/helm/v3/pkg/storage/driver). */
export const helmStorage = { selector: 'owner=helm', nameLabel: 'name', versionLabel: 'version' } as const;

/** The storage Secret of `revision` of `release`. */
export const storageSecretName = (release: string, revision: number) => `sh.helm.release.v1.${release}.v${revision}`;

/** Helm caps a release at the 1 MiB a Secret holds; its JSON inflates from that by far less than this. */
export const maxReleaseBytes = 64 * 1024 * 1024;

/** A revision as its storage Secret's labels tell it. */
export interface StoredRevision {
  readonly secretName: string;
  readonly revision: number;
  readonly resourceVersion: string;
  readonly ownerUid?: string;
}

/** The revision number a storage Secret is labelled with; NaN when it has none. */
export const revisionOf = (secret: KubeObject) => Number(secret.metadata.labels?.[helmStorage.versionLabel] ?? Number.NaN);

/** The latest revision among the storage Secrets of one release (metadata is enough); undefined when there is none. */
export function latestRevision(secrets: readonly KubeObject[]): StoredRevision | undefined {
  let latest: KubeObject | undefined;
  for (const secret of secrets) {
    if (secret.metadata.deletionTimestamp || !Number.isInteger(revisionOf(secret))) continue;
    if (!latest || revisionOf(secret) > revisionOf(latest)) latest = secret;
  }
  if (!latest) return undefined;
  const ownerUid = latest.metadata.labels?.[ownerUidLabel];
  return {
    secretName: latest.metadata.name ?? '', revision: revisionOf(latest), resourceVersion: latest.metadata.resourceVersion ?? '',
    ...(ownerUid ? { ownerUid } : {}),
  };
}

/** A revision's body: the release as `helm get metadata` would print it, and its manifest's objects. */
export interface StoredRelease {
  readonly release: Release;
  readonly objects: readonly ManifestObject[];
}

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const releaseState = (v: unknown): ReleaseState => (RELEASE_STATES as readonly unknown[]).includes(v) ? v as ReleaseState : 'unknown';

/**
 * A Release from Helm's release JSON (what it stores, and what install and upgrade print with
 * `--output json`); undefined when it is not one. `namespace` stands in when it names none.
 */
export function releaseFromJson(json: unknown, namespace: string): Release | undefined {
  const info = isObject(json) && isObject(json.info) ? json.info : undefined;
  const metadata = isObject(json) && isObject(json.chart) && isObject(json.chart.metadata) ? json.chart.metadata : undefined;
  if (!isObject(json) || !info || !metadata || typeof json.version !== 'number') return undefined;
  return {
    exists: true, name: str(json.name) ?? '', namespace: str(json.namespace) ?? namespace, revision: json.version,
    status: releaseState(info.status), chart: str(metadata.name) ?? '', chartVersion: str(metadata.version) ?? '',
    updated: str(info.last_deployed) ?? '',
    ...(str(metadata.appVersion) ? { appVersion: str(metadata.appVersion) } : {}),
  };
}

/**
 * Decodes the `release` key of a storage Secret (`data.release` as the API returns it: base64
 * of helm's own base64 of gzipped JSON). `namespace` places the manifest's objects that name none.
 */
export function decodeRelease(data: string | undefined, revision: StoredRevision, namespace: string): StoredRelease {
  const what = `Helm's record of revision ${revision.revision} (Secret ${namespace}/${revision.secretName})`;
  if (!data) throw new LcmError('Failed', `${what} has no release data.`);
  let json: unknown;
  try {
    const packed = Buffer.from(Buffer.from(data, 'base64').toString('latin1'), 'base64');
    const text = packed[0] === 0x1f && packed[1] === 0x8b ? gunzipSync(packed, { maxOutputLength: maxReleaseBytes }) : packed;
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    const reason = error instanceof RangeError ? `it inflates past ${maxReleaseBytes} bytes` : 'it is not gzipped JSON';
    throw new LcmError('Failed', `${what} cannot be read: ${reason}.`);
  }
  const release = releaseFromJson(json, namespace);
  if (!release) throw new LcmError('Failed', `${what} is not a Helm release.`);
  const manifest = isObject(json) ? str(json.manifest) : undefined;
  return {
    release: revision.ownerUid ? { ...release, ownerUid: revision.ownerUid } : release,
    objects: parseManifest(manifest ?? '', namespace),
  };
}
