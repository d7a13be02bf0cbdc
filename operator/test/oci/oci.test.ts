/**
 * The OCI client against real distribution registries: a chart pushed our way is what
 * `helm pull` gets back, byte for byte; an image (single and multi-platform) copied between
 * registries keeps its digests, and a second copy moves no blob.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushChart } from '../../src/oci/chart.js';
import { copyImage } from '../../src/oci/copy.js';
import { Registry } from '../../src/oci/registry.js';
import { pushTestImage } from '../support/oci.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../support/env.js';
import { runCommand } from '../support/kubectl.js';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';

describe('OCI client on real registries', function () {
  let shared: SharedEnv;
  let source: Registry;
  let target: Registry;
  const run = Date.now().toString(36);

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    source = new Registry({ baseUrl: await shared.env.startRegistry('source') });
    target = new Registry({ baseUrl: shared.edges[0]!.registryUrl! });
  });

  after(() => {
    source?.close();
    target?.close();
  });

  it('pushes a chart that helm pulls back unchanged', async function () {
    this.timeout(60_000);
    const helm = (await shared.hub.binaries).helm;
    const work = await mkdtemp(join(tmpdir(), 'oci-chart-'));
    const env = [`HELM_CACHE_HOME=${work}/c`, `HELM_CONFIG_HOME=${work}/g`, `HELM_DATA_HOME=${work}/d`];
    try {
      assert.equal((await runCommand(helm, ['create', join(work, 'demo')])).code, 0);
      assert.equal((await runCommand(helm, ['package', join(work, 'demo'), '--destination', work])).code, 0);
      const tgz = await readFile(join(work, 'demo-0.1.0.tgz'));
      const repository = `mecm/test-${run}/demo`;
      const digest = await pushChart(target, repository, { name: 'demo', version: '0.1.0', description: 'test chart' }, tgz);
      assert.equal(await pushChart(target, repository, { name: 'demo', version: '0.1.0', description: 'test chart' }, tgz), digest, 'pushing again is idempotent');
      await mkdir(join(work, 'out'));
      const pulled = await runCommand('env', [...env, helm, 'pull', `oci://${target.host}/${repository}`, '--version', '0.1.0', '--plain-http', '--destination', join(work, 'out')]);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.ok((pulled.stdout + pulled.stderr).includes(`Digest: ${digest}`), 'helm sees the manifest we pushed');
      assert.equal(sha256(await readFile(join(work, 'out', 'demo-0.1.0.tgz'))), sha256(tgz));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('copies an image between registries with the same digest, and skips blobs the second time', async () => {
    const image = await pushTestImage(source, `developer/app-${run}`, 'v1');
    const first = await copyImage(source, `developer/app-${run}`, 'v1', target, `developer/app-${run}`, 'v1');
    assert.equal(first.digest, image.digest);
    assert.equal(first.blobsCopied, 2);
    assert.equal(await target.resolve(`developer/app-${run}`, 'v1'), image.digest);
    const again = await copyImage(source, `developer/app-${run}`, 'v1', target, `developer/app-${run}`, 'v1');
    assert.deepEqual([again.blobsCopied, again.blobsSkipped], [0, 2]);
  });

  it('copies a multi-platform index with every platform', async () => {
    const repository = `developer/multi-${run}`;
    const amd = await pushTestImage(source, repository, 'amd64', 'amd64');
    const arm = await pushTestImage(source, repository, 'arm64', 'arm64');
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: ociManifest, digest: amd.digest, size: amd.body.length, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: ociManifest, digest: arm.digest, size: arm.body.length, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }));
    const indexDigest = await source.putManifest(repository, 'multi', { mediaType: 'application/vnd.oci.image.index.v1+json', body: index });
    const copied = await copyImage(source, repository, 'multi', target, repository, 'multi');
    assert.equal(copied.digest, indexDigest);
    assert.equal((await target.getManifest(repository, arm.digest)).digest, arm.digest);
  });

  it('says which registry failed and why, without credentials', async () => {
    const closed = new Registry({ baseUrl: 'http://127.0.0.1:9', credentials: { username: 'u', password: 'secret-pw' } });
    await assert.rejects(closed.ping(), (e: Error) => /127\.0\.0\.1:9/.test(e.message) && !e.message.includes('secret-pw'));
    closed.close();
  });
});
