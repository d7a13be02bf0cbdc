/**
 * Copies an image (a manifest or a multi-platform index) from one registry to another,
 * blob by blob, skipping blobs the target already has. Blobs stream from source to target.
 * What the source claims is checked: a pinned digest must be the manifest's digest, every
 * child manifest must hash to its descriptor, every descriptor digest must be a digest (the
 * target registry checks each blob's content against it on upload).
 */
import { isDigest } from './reference.js';
import { RegistryError, type Manifest, type Registry } from './registry.js';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
}

interface ManifestBody {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

export interface CopyResult {
  readonly digest: string;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
}

/** Copies `source/sourceRepo:sourceRef` to `target/targetRepo:targetTag`; returns the manifest digest. */
export async function copyImage(
  source: Registry, sourceRepo: string, sourceRef: string,
  target: Registry, targetRepo: string, targetTag: string,
): Promise<CopyResult> {
  const counts = { blobsCopied: 0, blobsSkipped: 0 };
  const manifest = await source.getManifest(sourceRepo, sourceRef);
  if (isDigest(sourceRef)) expectDigest(manifest, sourceRef, source);
  await copyManifestContent(source, sourceRepo, manifest, target, targetRepo, counts);
  const digest = await target.putManifest(targetRepo, targetTag, manifest);
  return { digest, ...counts };
}

async function copyManifestContent(
  source: Registry, sourceRepo: string, manifest: Manifest,
  target: Registry, targetRepo: string, counts: { blobsCopied: number; blobsSkipped: number },
): Promise<void> {
  const body = parseManifest(manifest, source);
  for (const child of body.manifests ?? []) {
    const childManifest = await source.getManifest(sourceRepo, child.digest);
    expectDigest(childManifest, child.digest, source);
    await copyManifestContent(source, sourceRepo, childManifest, target, targetRepo, counts);
    await target.putManifest(targetRepo, child.digest, childManifest);
  }
  for (const blob of [...(body.config ? [body.config] : []), ...(body.layers ?? [])]) {
    if (await target.hasBlob(targetRepo, blob.digest)) {
      counts.blobsSkipped += 1;
      continue;
    }
    const data = await source.getBlob(sourceRepo, blob.digest);
    await target.pushBlob(targetRepo, blob.digest, data);
    counts.blobsCopied += 1;
  }
}

function expectDigest(manifest: Manifest, digest: string, source: Registry): void {
  if (manifest.digest !== digest) throw new RegistryError(`the registry at ${source.host} served a manifest whose digest is not ${digest}; refused`, undefined);
}

function parseManifest(manifest: Manifest, source: Registry): ManifestBody {
  let body: ManifestBody;
  try {
    body = JSON.parse(manifest.body.toString('utf8')) as ManifestBody;
  } catch {
    throw new RegistryError(`the registry at ${source.host} served a manifest that is not JSON`, undefined);
  }
  const descriptors = [...(body.manifests ?? []), ...(body.config ? [body.config] : []), ...(body.layers ?? [])];
  if (!descriptors.every((d) => typeof d?.digest === 'string' && isDigest(d.digest))) {
    throw new RegistryError(`the registry at ${source.host} served a manifest with a malformed digest; refused`, undefined);
  }
  return body;
}
