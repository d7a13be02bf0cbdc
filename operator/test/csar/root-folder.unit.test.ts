/**
 * Packages zipped as a folder: every entry under one top-level directory (`<dir>/TOSCA-Metadata/
 * TOSCA.meta`, `<dir>/APPD/…`). That folder is the package root, in every APPD layout; anything
 * else at the top keeps the zip's top as the root.
 */
import assert from 'node:assert/strict';
import { openCsar, verifyPackage, type CsarPackage } from '../../src/csar/index.js';
import { resolveLimits } from '../../src/csar/limits.js';
import { InflateBudget } from '../../src/csar/meter.js';
import { ZipArchive } from '../../src/csar/zip.js';
import { edgegalleryPackage } from '../support/testdata.js';
import { APPD_YAML, sandboxWithChart, validFiles, withManifest, zipOf, type Files } from './support/packages.js';
import { buildZip, type ZipEntrySpec } from './support/zip-builder.js';

const META = 'TOSCA-Metadata/TOSCA.meta';
const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';
const VNFD_META = 'VNFD-Meta-File-Version: 1.0\nEntry-Definitions: Definition/MainServiceTemplate.yaml\n';

/** `files` moved under `folder/`, with the directory entries a zip tool writes when `directories`. */
function wrapped(files: Files, folder: string, directories = false): ZipEntrySpec[] {
  const entries: ZipEntrySpec[] = Object.entries(files).map(([name, data]) => ({ name: `${folder}/${name}`, data }));
  if (!directories) return entries;
  const dirs = new Set([`${folder}/`]);
  for (const name of Object.keys(files)) {
    const parts = name.split('/').slice(0, -1);
    parts.forEach((_, i) => dirs.add(`${folder}/${parts.slice(0, i + 1).join('/')}/`));
  }
  return [...[...dirs].map((name) => ({ name })), ...entries];
}

/** Every file of a real package, read with the library's own zip reader. */
async function filesOf(file: string): Promise<Files> {
  const limits = resolveLimits();
  const zip = await ZipArchive.open(file, { label: '', depth: 0, limits, budget: new InflateBudget(limits.maxTotalUncompressedBytes) });
  try {
    const files: Files = {};
    for (const path of zip.files.keys()) files[path] = await zip.read(path, { maxBytes: 1e7, tooLarge: () => { throw new Error('too large'); } });
    return files;
  } finally {
    zip.close();
  }
}

describe('csar: a package zipped as one folder', function () {
  const kit = sandboxWithChart();

  async function open(entries: ZipEntrySpec[]): Promise<CsarPackage> {
    return openCsar(await kit.box.input(`p${Math.random().toString(36).slice(2)}.csar`, buildZip(entries)), kit.box.scratch);
  }
  async function assertSameAsUnwrapped(files: Files, folder: string, directories: boolean): Promise<CsarPackage> {
    const flat = await openCsar(await kit.box.input(`flat${Math.random().toString(36).slice(2)}.csar`, zipOf(files)), kit.box.scratch);
    const pkg = await open(wrapped(files, folder, directories));
    assert.equal(pkg.root, `${folder}/`);
    assert.equal(flat.root, '');
    for (const key of ['app', 'appd', 'images', 'hashes', 'entries', 'signatureFiles', 'warnings'] as const) assert.deepEqual(pkg[key], flat[key], key);
    assert.deepEqual(pkg.charts.map((c) => [c.source, c.name, c.version, c.sha256]), flat.charts.map((c) => [c.source, c.name, c.version, c.sha256]));
    assert.ok(!pkg.entries.some((path) => path.startsWith(`${folder}/`)), pkg.entries.join(', '));
    const verdict = await verifyPackage(pkg, { manifestHashes: 'Strict', signature: 'Skip' });
    assert.equal(verdict.verified, flat.hashes.every((check) => check.status === 'ok'), verdict.message);
    return pkg;
  }

  const appdZip = (meta: string) => buildZip([{ name: 'TOSCA_VNFD.meta', data: VNFD_META }, { name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }, { name: 'x', data: meta }]);
  const layouts: Array<[string, () => Files]> = [
    ['directory', () => withManifest(validFiles(kit.chart))],
    ['directory, with APPD/TOSCA_VNFD.meta beside it', () => withManifest({ ...validFiles(kit.chart), 'APPD/TOSCA_VNFD.meta': VNFD_META })],
    ['zip', () => {
      const files = validFiles(kit.chart);
      delete files[MAIN];
      return withManifest({ ...files, [META]: 'Entry-Definitions: APPD/MainServiceTemplate.zip\n', 'APPD/MainServiceTemplate.zip': appdZip('zip') });
    }],
    ['zipFallback', () => {
      const files = validFiles(kit.chart);
      delete files[MAIN];
      return withManifest({ ...files, 'APPD/APPD.zip': appdZip('fallback') });
    }],
  ];
  for (const [layout, files] of layouts) {
    for (const directories of [false, true]) {
      it(`${layout} layout${directories ? ', with directory entries' : ''}: opens as if unwrapped`, async function () {
        await assertSameAsUnwrapped(files(), 'demo-app_1.0', directories);
      });
    }
  }

  it('the real etherpad.csar zipped as a folder opens like etherpad.csar', async function () {
    const files = await filesOf(edgegalleryPackage('etherpad.csar'));
    const pkg = await assertSameAsUnwrapped(files, 'etherpad', true);
    assert.deepEqual([pkg.app.name, pkg.appd.layout, pkg.charts.length], ['etherpad', 'directory', 1]);
  });

  it('APPD/TOSCA_VNFD.meta names the APPD when Entry-Definitions names a path that is not there', async function () {
    const files = validFiles(kit.chart);
    const yaml = files[MAIN]!;
    delete files[MAIN];
    const all = withManifest({ ...files, [META]: 'Entry-Definitions: APPD/missing.yaml\n', 'APPD/TOSCA_VNFD.meta': 'Entry-Definitions: Definitions/app.yaml\n', 'APPD/Definitions/app.yaml': yaml },
      ['APPD/Definitions/app.yaml', 'Artifacts/Deployment/Charts/demo.tgz']);
    const pkg = await open(wrapped(all, 'app'));
    assert.deepEqual([pkg.appd.layout, pkg.appd.source, pkg.appd.appName], ['directory', 'APPD/Definitions/app.yaml', 'demo']);
    assert.ok(pkg.warnings.some((warning) => warning.includes('TOSCA_VNFD.meta names')), pkg.warnings.join('\n'));
  });

  const notOneFolder: Array<[string, (entries: ZipEntrySpec[]) => ZipEntrySpec[]]> = [
    ['a file beside the folder', (entries) => [...entries, { name: 'README.md', data: 'hi' }]],
    ['an empty directory beside the folder', (entries) => [...entries, { name: 'other/' }]],
    ['a second folder', (entries) => [...entries, { name: 'other/file.txt', data: 'x' }]],
    ['the package two folders deep', (entries) => entries.map((entry) => ({ ...entry, name: `outer/${String(entry.name)}` }))],
  ];
  for (const [name, change] of notOneFolder) {
    it(`not one folder (${name}): the zip's top stays the root, ToscaMetaMissing`, async function () {
      await assert.rejects(open(change(wrapped(withManifest(validFiles(kit.chart)), 'app'))), { name: 'CsarError', reason: 'ToscaMetaMissing' });
    });
  }

  it('one folder without TOSCA.meta in it is ToscaMetaMissing naming the folder', async function () {
    const files = withManifest(validFiles(kit.chart));
    delete files[META];
    await assert.rejects(open(wrapped(files, 'app')), { name: 'CsarError', reason: 'ToscaMetaMissing', message: /"app\/", the one folder it holds/ });
  });

  it('a TOSCA.meta at the top wins, even when everything is in its one folder', async function () {
    const inner = withManifest(validFiles(kit.chart));
    // Everything under TOSCA-Metadata/: that is the package's own TOSCA.meta, not a wrapping folder.
    const entries = [{ name: META, data: inner[META]! }, { name: 'TOSCA-Metadata/demo.mf', data: inner['demo.mf']! }];
    await assert.rejects(open(entries), { name: 'CsarError', reason: 'ManifestMissing' });
  });
});
