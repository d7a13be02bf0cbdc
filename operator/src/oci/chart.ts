/**
 * Pushes a packaged Helm chart as an OCI artifact, the way `helm push` lays it out: a config
 * blob with the chart's metadata (application/vnd.cncf.helm.config.v1+json), one layer with
 * the .tgz, tag = chart version. `helm pull oci://…/<name> --version <v>` reads it back.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Registry } from './registry.js';

export const helmConfigMediaType = 'application/vnd.cncf.helm.config.v1+json';
export const helmChartLayerMediaType = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';

export interface ChartMetadata {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly apiVersion?: string;
  readonly appVersion?: string;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A chart .tgz on disk whose SHA-256 (hex) is known: streamed to each registry, never held whole. */
export interface ChartFile {
  readonly path: string;
  readonly sha256: string;
}

/** Pushes the chart to `repository:version`; returns the manifest digest (the same bytes give the same digest). */
export async function pushChart(registry: Registry, repository: string, chart: ChartMetadata, tgz: Buffer | ChartFile): Promise<string> {
  const config = Buffer.from(JSON.stringify({
    name: chart.name, version: chart.version, apiVersion: chart.apiVersion ?? 'v2',
    ...(chart.description ? { description: chart.description } : {}), ...(chart.appVersion ? { appVersion: chart.appVersion } : {}),
  }));
  const layer = Buffer.isBuffer(tgz)
    ? { mediaType: helmChartLayerMediaType, digest: sha256(tgz), size: tgz.length }
    : { mediaType: helmChartLayerMediaType, digest: `sha256:${tgz.sha256}`, size: (await stat(tgz.path)).size };
  const layers = [layer];
  if (!(await registry.hasBlob(repository, sha256(config)))) await registry.pushBlob(repository, sha256(config), config);
  if (!(await registry.hasBlob(repository, layer.digest))) {
    // The registry checks the digest of what it received against the one we name.
    await registry.pushBlob(repository, layer.digest, Buffer.isBuffer(tgz) ? tgz : { stream: createReadStream(tgz.path), size: layer.size });
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: ociManifestMediaType,
    config: { mediaType: helmConfigMediaType, digest: sha256(config), size: config.length },
    layers,
    annotations: {
      'org.opencontainers.image.title': chart.name,
      'org.opencontainers.image.version': chart.version,
      ...(chart.description ? { 'org.opencontainers.image.description': chart.description } : {}),
    },
  }));
  return registry.putManifest(repository, chart.version, { mediaType: ociManifestMediaType, body: manifest });
}
