/**
 * Where uploaded packages live: a hub-side OCI registry, content-addressed. Every replica
 * serves North and any of them may accept an upload, while only the leader's AppPackage
 * controller downloads it — possibly after a failover — so the bytes must outlive the replica
 * that took them and be reachable from any other: not its disk, not a Secret or ConfigMap
 * (etcd is no place for MBs). A registry blob is streamed in, addressed by its SHA-256 (the
 * AppPackage's `spec.sha256`), and fetched by the APM as a plain HTTP download of
 * `<registry>/v2/<repo>/blobs/sha256:<hex>`. A manifest tagged `sha256-<hex>` holds the blob
 * so the registry's garbage collection keeps it until North deletes the package.
 *
 *   upload ─► scratch file (sha256) ─► verify CSAR ─► push blob + manifest ─► AppPackage(http url, sha256)
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Registry, RegistryError } from '../oci/registry.js';
import { unavailable } from './errors.js';
import type { UploadedFile } from './uploads.js';

export interface PackageBytes {
  /** Stores the file; returns the URL the AppPackage downloads it from. Throws NorthError 503 when the store cannot take it. */
  put(namespace: string, file: UploadedFile): Promise<string>;
  /** Lets the registry forget the package (its blob goes with the next garbage collection). Never throws. */
  release(namespace: string, sha256: string): Promise<void>;
}

export const csarMediaType = 'application/vnd.etsi.mec.csar.v1+zip';
const manifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
const emptyConfig = Buffer.from('{}');
const emptyConfigDigest = `sha256:${createHash('sha256').update(emptyConfig).digest('hex')}`;

export interface RegistryPackageBytesOptions {
  /** `http(s)://host:port` of the hub-side registry. */
  readonly url: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Repository prefix: packages of namespace N go to `<prefix>/<N>/packages`. */
  readonly prefix?: string;
  readonly timeoutMs?: number;
}

export class RegistryPackageBytes implements PackageBytes {
  private readonly registry: Registry;
  private readonly base: string;

  constructor(private readonly options: RegistryPackageBytesOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.registry = new Registry({ baseUrl: this.base, credentials: options.credentials, timeoutMs: options.timeoutMs ?? 60_000 });
  }

  close(): void {
    this.registry.close();
  }

  /** The repository of a namespace's uploads. */
  repository(namespace: string): string {
    return `${this.options.prefix ?? 'mecm/north'}/${namespace}/packages`;
  }

  /** The URL an AppPackage downloads the package with this digest from. */
  urlOf(namespace: string, sha256: string): string {
    return `${this.base}/v2/${this.repository(namespace)}/blobs/sha256:${sha256}`;
  }

  async put(namespace: string, file: UploadedFile): Promise<string> {
    const repository = this.repository(namespace);
    const digest = `sha256:${file.sha256}`;
    try {
      if (!(await this.registry.hasBlob(repository, digest))) {
        await this.registry.pushBlob(repository, digest, { stream: createReadStream(file.path), size: file.size });
      }
      if (!(await this.registry.hasBlob(repository, emptyConfigDigest))) await this.registry.pushBlob(repository, emptyConfigDigest, emptyConfig);
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: manifestMediaType, artifactType: csarMediaType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyConfigDigest, size: emptyConfig.length },
        layers: [{ mediaType: csarMediaType, digest, size: file.size }],
      }));
      await this.registry.putManifest(repository, tagOf(file.sha256), { mediaType: manifestMediaType, body: manifest });
    } catch (error) {
      const detail = error instanceof RegistryError ? error.message : 'the registry could not be reached';
      throw unavailable(`the package could not be stored in the hub registry (${detail}); try again`);
    }
    return this.urlOf(namespace, file.sha256);
  }

  async release(namespace: string, sha256: string): Promise<void> {
    const repository = this.repository(namespace);
    try {
      const manifest = await this.registry.resolve(repository, tagOf(sha256));
      if (manifest) await this.registry.deleteManifest(repository, manifest);
    } catch {
      // A registry that refuses deletes (the default of distribution) keeps the bytes: harmless.
    }
  }
}

const tagOf = (sha256: string) => `sha256-${sha256}`;
