/**
 * Pushes manifests as a Flux OCI artifact with our own OCI client, laid out as `flux push
 * artifact` does (fluxcd/pkg/oci push.go): an OCI image manifest whose config blob has
 * application/vnd.cncf.flux.config.v1+json and whose one layer is a tar+gzip of the files
 * (application/vnd.cncf.flux.content.v1.tar+gzip), annotated with its source and revision.
 * source-controller's OCIRepository takes the first layer and extracts it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Registry } from '../../../src/oci/registry.js';
import { buildTar } from '../../csar/support/packages.js';

export const fluxConfigMediaType = 'application/vnd.cncf.flux.config.v1+json';
export const fluxContentMediaType = 'application/vnd.cncf.flux.content.v1.tar+gzip';
const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface ArtifactFile {
  /** Path inside the artifact, e.g. `platform/edgehost.yaml`. */
  readonly name: string;
  readonly data: string;
}

/** Pushes `files` to `repository:tag`; resolves to the manifest digest. */
export async function pushFluxArtifact(
  registry: Registry, repository: string, tag: string, files: readonly ArtifactFile[], revision: string,
): Promise<string> {
  const tar = await buildTar(files.map((f) => ({ name: f.name, data: f.data })));
  const layer = gzipSync(tar);
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // What go-containerregistry writes for Flux's empty image, with the one layer's diff id (the
  // digest of the uncompressed tar).
  const config = Buffer.from(JSON.stringify({
    architecture: '', created, os: '', rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: {},
  }));
  for (const blob of [config, layer]) {
    if (!(await registry.hasBlob(repository, sha256(blob)))) await registry.pushBlob(repository, sha256(blob), blob);
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: ociManifestMediaType,
    config: { mediaType: fluxConfigMediaType, digest: sha256(config), size: config.length },
    layers: [{ mediaType: fluxContentMediaType, digest: sha256(layer), size: layer.length }],
    annotations: {
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.source': 'mecm-operator/operator/test/gitops',
      'org.opencontainers.image.revision': revision,
    },
  }));
  return registry.putManifest(repository, tag, { mediaType: ociManifestMediaType, body: manifest });
}
