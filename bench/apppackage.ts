/**
 * AppPackage figures: parse + verify time and peak RSS for a 50 MiB package (no cluster), and
 * distribution time of one package to 10 edge repositories (real distribution registries).
 *   npx tsx bench/apppackage.ts [--size-mib N] [--hosts N]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCsar, verifyPackage } from '../operator/src/csar/index.js';
import { pushToHost } from '../operator/src/controllers/apppackage/edge-repository.js';
import { TestEnvironment } from '../testenv/src/environment.js';
import { chartTgz, validFiles, withManifest, zipOf } from '../operator/test/csar/support/packages.js';
import { Registry } from '../operator/src/oci/registry.js';
import { figure } from './support.js';

/** Pushes an image with one incompressible layer of `bytes`; returns its size in MiB. */
async function pushImage(registry: Registry, repository: string, tag: string, bytes: number): Promise<number> {
  const digest = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const layer = randomBytes(bytes);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digest(layer)] } }));
  await registry.pushBlob(repository, digest(config), config);
  await registry.pushBlob(repository, digest(layer), layer);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  await registry.putManifest(repository, tag, { mediaType, body: Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digest(layer), size: layer.length }],
  })) });
  registry.close();
  return Math.round(bytes / 1024 / 1024);
}

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '50' }, hosts: { type: 'string', default: '10' } } });
const work = await mkdtemp(join(tmpdir(), 'bench-apkg-'));
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
try {
  // A package whose bulk is an incompressible artefact, as images and binaries are.
  const files = validFiles(await chartTgz('demo', '1.0.0'));
  files['Artifacts/Other/payload.bin'] = randomBytes(Number(values['size-mib']) * 1024 * 1024);
  const file = join(work, 'big.csar');
  await writeFile(file, zipOf(withManifest(files, ['APPD/Definition/MainServiceTemplate.yaml', 'Artifacts/Deployment/Charts/demo.tgz', 'Artifacts/Other/payload.bin'])));
  delete files['Artifacts/Other/payload.bin'];
  const rssBefore = process.memoryUsage().rss;
  peak = rssBefore;
  let started = process.hrtime.bigint();
  const pkg = await openCsar(file, join(work, 'scratch'));
  const result = await verifyPackage(pkg, { manifestHashes: 'Strict', signature: 'Skip' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!result.verified) throw new Error(`not verified: ${result.message}`);
  figure(`parse + verify (Strict) of ${values['size-mib']} MiB`, seconds.toFixed(2), 's');
  figure('peak RSS growth during parse + verify', Math.round((peak - rssBefore) / 1024 / 1024), 'MiB');

  const env = await TestEnvironment.start();
  try {
    const hosts = Number(values.hosts);
    const urls = await Promise.all(Array.from({ length: hosts }, (_, i) => env.startRegistry(`edge-${i}`)));
    const sourceUrl = await env.startRegistry('source');
    const image = await pushImage(new Registry({ baseUrl: sourceUrl }), 'bench/app', '1.0', 20 * 1024 * 1024);
    const swImage = `${new URL(sourceUrl).host}/bench/app:1.0`;
    started = process.hrtime.bigint();
    await Promise.all(urls.map((url) => pushToHost({ baseUrl: url, host: new URL(url).host, prefix: '' }, undefined, {
      namespace: 'bench', name: 'demo', charts: pkg.charts, images: [{ swImage }], mirror: 'Required', insecureSources: [new URL(sourceUrl).host],
    }, 60_000)));
    figure(`distribute chart + ${image} MiB image to ${hosts} registries`, (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2), 's');
  } finally {
    await env.stop();
  }
} finally {
  clearInterval(sampler);
  await rm(work, { recursive: true, force: true });
}
