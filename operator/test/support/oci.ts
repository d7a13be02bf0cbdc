import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Registry } from '../../src/oci/registry.js';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';

/** Pushes a small synthetic image (config + one layer) and returns its manifest digest. */
export async function pushTestImage(registry: Registry, repository: string, tag: string, arch = 'amd64'): Promise<{ digest: string; body: Buffer }> {
  const layer = gzipSync(randomBytes(4096));
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  await registry.pushBlob(repository, sha256(config), config);
  await registry.pushBlob(repository, sha256(layer), layer);
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  return { digest: await registry.putManifest(repository, tag, { mediaType: ociManifest, body }), body };
}

