/** The three APPD layouts of real packages, built here with correct hashes. */
import assert from 'node:assert/strict';
import { openCsar, verifyPackage, type CsarPackage } from '../../src/csar/index.js';
import { APPD_YAML, chartTgz, sandbox, validFiles, withManifest, zipOf, type Files } from './support/packages.js';
import { buildZip } from './support/zip-builder.js';

const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';
const META = 'TOSCA-Metadata/TOSCA.meta';
const VNFD_META = 'VNFD-Meta-File-Version: 1.0\nEntry-Definitions: Definition/MainServiceTemplate.yaml\n\nName: Definition/MainServiceTemplate.yaml\nContent-Type: VNFD\n';
const TYPES = 'tosca_definitions_version: tosca_simple_profile_yaml_1_2\nnode_types: {}\n';

describe('csar: APPD layouts', function () {
  let box: Awaited<ReturnType<typeof sandbox>>;
  let chart: Buffer;

  before(async function () {
    box = await sandbox();
    chart = await chartTgz();
  });
  after(async () => box.remove());

  async function open(files: Files): Promise<CsarPackage> {
    return openCsar(await box.input(`p${Math.random().toString(36).slice(2)}.csar`, zipOf(withManifest(files))), box.scratch);
  }

  function withAppdZip(entryDefinitions: string, zipPath: string, inner: Buffer): Files {
    const files = validFiles(chart);
    delete files[MAIN];
    files[META] = `TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nEntry-Definitions: ${entryDefinitions}\n`;
    files[zipPath] = inner;
    return files;
  }

  async function assertDemo(pkg: CsarPackage): Promise<void> {
    assert.equal(pkg.appd.appName, 'demo');
    assert.equal(pkg.appd.trafficRules.length, 1);
    assert.equal(pkg.appd.dnsRules.length, 1);
    assert.deepEqual(pkg.hashes.map((check) => check.status), pkg.hashes.map(() => 'ok'));
    const verdict = await verifyPackage(pkg, { manifestHashes: 'Strict', signature: 'IfPresent' });
    assert.deepEqual([verdict.verified, verdict.reason], [true, 'Verified'], verdict.message);
  }

  it('directory: Entry-Definitions names the YAML in the package', async function () {
    const pkg = await open(validFiles(chart));
    assert.deepEqual([pkg.appd.layout, pkg.appd.source, pkg.appd.path], ['directory', MAIN, MAIN]);
    await assertDemo(pkg);
  });

  it('zip: Entry-Definitions names APPD/MainServiceTemplate.zip holding the YAML, a types file and TOSCA_VNFD.meta', async function () {
    const inner = buildZip([
      { name: 'Definition/' },
      { name: 'Definition/cmcc_nfv_vnfd_types_v1_0.yaml', data: TYPES },
      { name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML },
      { name: 'TOSCA_VNFD.meta', data: VNFD_META },
    ]);
    const pkg = await open(withAppdZip('APPD/MainServiceTemplate.zip', 'APPD/MainServiceTemplate.zip', inner));
    assert.deepEqual([pkg.appd.layout, pkg.appd.source, pkg.appd.path],
      ['zip', 'APPD/MainServiceTemplate.zip', 'APPD/MainServiceTemplate.zip!Definition/MainServiceTemplate.yaml']);
    await assertDemo(pkg);
  });

  it('zipFallback: Entry-Definitions names a path not in the package, and APPD/APPD.zip holds the APPD', async function () {
    const inner = buildZip([
      { name: 'TOSCA_VNFD.meta', data: VNFD_META },
      { name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML },
      { name: 'Definition/types.yaml', data: TYPES },
    ]);
    const pkg = await open(withAppdZip(MAIN, 'APPD/APPD.zip', inner));
    assert.deepEqual([pkg.appd.layout, pkg.appd.source, pkg.appd.path],
      ['zipFallback', 'APPD/APPD.zip', 'APPD/APPD.zip!Definition/MainServiceTemplate.yaml']);
    assert.ok(pkg.warnings.some((warning) => warning.includes('not in the package')), pkg.warnings.join('\n'));
    await assertDemo(pkg);
  });

  it('inside a zip, the YAML its meta names wins over MainServiceTemplate.yaml', async function () {
    const inner = buildZip([
      { name: 'TOSCA_VNFD.meta', data: 'Entry-Definitions: Definitions/app.yaml\n' },
      { name: 'Definitions/MainServiceTemplate.yaml', data: 'not: the one\n' },
      { name: 'Definitions/app.yaml', data: APPD_YAML },
    ]);
    const pkg = await open(withAppdZip('APPD/APPD.zip', 'APPD/APPD.zip', inner));
    assert.equal(pkg.appd.path, 'APPD/APPD.zip!Definitions/app.yaml');
    await assertDemo(pkg);
  });

  it('inside a zip without meta, its only YAML is the APPD', async function () {
    const pkg = await open(withAppdZip('APPD/APPD.zip', 'APPD/APPD.zip', buildZip([{ name: 'appd.yml', data: APPD_YAML }])));
    assert.equal(pkg.appd.path, 'APPD/APPD.zip!appd.yml');
    await assertDemo(pkg);
  });

  it('a zip holding one zip holding the APPD is within the default depth', async function () {
    const inner = buildZip([{ name: 'wrapped.zip', data: buildZip([{ name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }]) }]);
    const pkg = await open(withAppdZip('APPD/APPD.zip', 'APPD/APPD.zip', inner));
    assert.equal(pkg.appd.path, 'APPD/APPD.zip!wrapped.zip!Definition/MainServiceTemplate.yaml');
    await assertDemo(pkg);
  });

  it('reads what the built APPD declares', async function () {
    const pkg = await open(validFiles(chart));
    assert.deepEqual(pkg.app, {
      name: 'demo', provider: 'Tests', version: '2.0', class: 'container', type: 'container',
      description: 'A demo package', releaseTime: '2024-05-01 10:00',
    });
    assert.deepEqual(pkg.appd.compute, { cpu: 2, memoryMiB: 2048, storageGiB: 10 });
    assert.deepEqual(pkg.appd.inputs, { replicas: { type: 'integer', default: '2', description: 'Number of pods' } });
    assert.deepEqual(pkg.appd.servicesRequired, [{ serName: 'location', version: '1.0', requestedPermissions: true }]);
    assert.deepEqual(pkg.appd.trafficRules[0]?.dstInterface, [{ interfaceType: 'IP', dstIpAddress: '192.0.2.10' }]);
    assert.deepEqual(pkg.charts.map((c) => [c.name, c.version]), [['demo', '1.2.3']]);
    assert.deepEqual(pkg.images.map((image) => image.swImage), ['registry.example/demo/demo:1.0']);
  });

  it('falls back to the APPD for metadata the manifest leaves out', async function () {
    const files = withManifest(validFiles(chart));
    files['demo.mf'] = String(files['demo.mf']).replace(/^app_(product_name|provider_id|package_version|class):.*\n/gm, '');
    const pkg = await openCsar(await box.input('fallback.csar', zipOf(files)), box.scratch);
    assert.deepEqual([pkg.app.name, pkg.app.provider, pkg.app.version, pkg.app.class], ['demo', 'Tests', '2.0.0', 'container']);
  });
});
