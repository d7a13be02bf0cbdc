/**
 * A corpus of hostile and broken packages, each built here, each refused with its precise
 * reason, without a crash and without a byte written outside the scratch dir (which is left
 * empty: a refused package leaves nothing behind).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { CsarError, openCsar, type CsarErrorReason, type CsarLimits } from '../../src/csar/index.js';
import { APPD_YAML, buildTgz, buildTar, chartTgz, sandbox, validFiles, withManifest, zipOf, type Files } from './support/packages.js';
import { buildZip, FIFO_ATTRIBUTES, SYMLINK_ATTRIBUTES, type ZipEntrySpec } from './support/zip-builder.js';

interface Kit {
  /** A valid package's files (directory layout, correct manifest). */
  files: () => Files;
  chart: Buffer;
}

interface HostileCase {
  name: string;
  build: (kit: Kit) => Buffer | Promise<Buffer>;
  reason: CsarErrorReason;
  /** What the message must say, so the reason is the one for this problem. */
  message?: RegExp;
  limits?: Partial<CsarLimits>;
}

const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';
const CHART = 'Artifacts/Deployment/Charts/demo.tgz';
const META = 'TOSCA-Metadata/TOSCA.meta';

/** A valid package plus `extra` entries written raw. */
const plus = (kit: Kit, ...extra: ZipEntrySpec[]) => zipOf(kit.files(), extra);
/** A valid package with some files replaced (undefined removes one). */
const changed = (kit: Kit, changes: Record<string, string | Buffer | undefined>) => {
  const files = kit.files();
  for (const [path, data] of Object.entries(changes)) {
    if (data === undefined) delete files[path];
    else files[path] = data;
  }
  return zipOf(files);
};
/** A valid package whose APPD is a zip (Entry-Definitions names it) holding `inner`. */
const appdZip = (kit: Kit, inner: Buffer) => {
  const files = kit.files();
  delete files[MAIN];
  files[META] = 'Entry-Definitions: APPD/MainServiceTemplate.zip\n';
  files['APPD/MainServiceTemplate.zip'] = inner;
  return zipOf(files);
};
/** A billion-laughs APPD: 9 levels of 9 aliases. */
const aliasBomb = () => {
  const lines = ['tosca_definitions_version: tosca_simple_profile_yaml_1_2', 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= 9; level++) lines.push(`l${level}: &l${level} [${Array(9).fill(`*l${level - 1}`).join(', ')}]`);
  lines.push('topology_template:', '  inputs:', '    bomb:', '      default: *l9');
  return `${lines.join('\n')}\n`;
};

const corpus: HostileCase[] = [
  // --- paths that escape
  { name: 'zip-slip with ../', reason: 'UnsafePath', message: /"\.\."/, build: (kit) => plus(kit, { name: '../../escaped.txt', data: 'pwned' }) },
  { name: 'zip-slip in the middle of a path', reason: 'UnsafePath', build: (kit) => plus(kit, { name: 'Artifacts/../../../escaped.txt', data: 'pwned' }) },
  { name: 'absolute path', reason: 'UnsafePath', message: /absolute/, build: (kit) => plus(kit, { name: '/tmp/escaped.txt', data: 'pwned' }) },
  { name: 'Windows drive letter', reason: 'UnsafePath', message: /drive/, build: (kit) => plus(kit, { name: 'C:/escaped.txt', data: 'pwned' }) },
  { name: 'backslash traversal', reason: 'UnsafePath', message: /backslash/, build: (kit) => plus(kit, { name: '..\\..\\escaped.txt', data: 'pwned' }) },
  { name: 'NUL byte in a name', reason: 'UnsafePath', message: /control/, build: (kit) => plus(kit, { name: 'Artifacts/ok.txt\u0000../../x', data: 'x' }) },
  { name: 'zip-slip inside the nested APPD zip', reason: 'UnsafePath', message: /MainServiceTemplate\.zip/,
    build: (kit) => appdZip(kit, buildZip([{ name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }, { name: '../../../escaped.txt', data: 'x' }])) },
  // --- links and special files
  { name: 'symlink entry', reason: 'SymlinkEntry', build: (kit) => plus(kit, { name: 'Artifacts/link', data: '/etc/passwd', externalAttributes: SYMLINK_ATTRIBUTES }) },
  { name: 'symlink posing as the chart', reason: 'SymlinkEntry',
    build: (kit) => { const files = kit.files(); delete files[CHART]; return zipOf(files, [{ name: CHART, data: '/etc/shadow', externalAttributes: SYMLINK_ATTRIBUTES }]); } },
  { name: 'symlink from a FAT host byte', reason: 'SymlinkEntry', build: (kit) => plus(kit, { name: 'x', data: '/etc', versionMadeBy: 0x0014, externalAttributes: SYMLINK_ATTRIBUTES }) },
  { name: 'FIFO entry', reason: 'SpecialFileEntry', build: (kit) => plus(kit, { name: 'Artifacts/fifo', externalAttributes: FIFO_ATTRIBUTES }) },
  // --- names
  { name: 'non-UTF-8 name flagged UTF-8', reason: 'NameEncodingInvalid', build: (kit) => plus(kit, { name: Buffer.from([0x41, 0xff, 0xfe, 0x2e, 0x74]), flags: 0x800, data: 'x' }) },
  { name: 'legacy CP437 name with high bytes', reason: 'NameEncodingInvalid', build: (kit) => plus(kit, { name: Buffer.from('Artifacts/caf\x82.txt', 'latin1'), flags: 0, data: 'x' }) },
  { name: 'duplicate entry names', reason: 'DuplicateEntry', message: /MainServiceTemplate/, build: (kit) => plus(kit, { name: MAIN, data: 'tosca_definitions_version: evil\n' }) },
  { name: 'duplicate after normalisation (./ and //)', reason: 'DuplicateEntry', build: (kit) => plus(kit, { name: './APPD//Definition/MainServiceTemplate.yaml', data: 'x' }) },
  // --- bombs and limits
  { name: 'zip bomb by ratio', reason: 'ZipBomb', message: /maxCompressionRatio/, build: (kit) => plus(kit, { name: 'Artifacts/zeros.bin', data: Buffer.alloc(4 * 1024 * 1024) }) },
  { name: 'zip bomb by declared entry size', reason: 'ZipBomb', message: /maxEntryBytes/,
    build: (kit) => plus(kit, { name: 'Artifacts/huge.bin', data: 'x', declaredUncompressedSize: 0xfffffff0 }) },
  { name: 'zip bomb by total size', reason: 'ZipBomb', message: /in total/, limits: { maxTotalUncompressedBytes: 64 * 1024 },
    build: (kit) => plus(kit, ...[1, 2, 3].map((n) => ({ name: `Artifacts/random-${n}.bin`, data: randomBytes(30 * 1024), method: 0 }))) },
  { name: 'zip bomb by total inflated across nesting', reason: 'ZipBomb', message: /in total/, limits: { maxTotalUncompressedBytes: 120 * 1024 },
    build: (kit) => appdZip(kit, buildZip([{ name: 'Definition/MainServiceTemplate.yaml', data: `${APPD_YAML}# ${'x'.repeat(70 * 1024)}\n`, method: 0 }])) },
  { name: 'entry that inflates beyond its declared size', reason: 'SizeMismatch',
    build: (kit) => { const files = kit.files(); delete files[MAIN]; return zipOf(files, [{ name: MAIN, data: `${APPD_YAML}#${'x'.repeat(200_000)}`, declaredUncompressedSize: 1000 }]); } },
  { name: 'too many entries', reason: 'TooManyEntries', limits: { maxEntries: 20 },
    build: (kit) => plus(kit, ...Array.from({ length: 20 }, (_, n) => ({ name: `Artifacts/Other/f${n}`, data: '' }))) },
  { name: 'nested zip beyond the depth limit', reason: 'NestingTooDeep',
    build: (kit) => appdZip(kit, buildZip([{ name: 'l2.zip', data: buildZip([{ name: 'l3.zip', data: buildZip([{ name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }]) }]) }])) },
  { name: 'YAML alias bomb in the APPD', reason: 'YamlBomb', message: /maxYamlNodes/, build: (kit) => changed(kit, { [MAIN]: aliasBomb() }) },
  { name: 'YAML alias cycle in the APPD', reason: 'YamlBomb', build: (kit) => changed(kit, { [MAIN]: 'topology_template: &t\n  self: [*t]\n' }) },
  { name: 'YAML nested 10,000 deep', reason: 'YamlBomb', message: /deeply/, build: (kit) => changed(kit, { [MAIN]: `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n` }) },
  { name: 'oversized manifest', reason: 'ManifestTooLarge', limits: { maxManifestBytes: 4096 },
    build: (kit) => changed(kit, { 'demo.mf': `${String(kit.files()['demo.mf'])}\n${'# padding line\n'.repeat(1000)}` }) },
  { name: 'oversized APPD', reason: 'YamlTooLarge', limits: { maxYamlBytes: 2048 }, build: (kit) => changed(kit, { [MAIN]: `${APPD_YAML}#${'x'.repeat(4096)}\n` }) },
  // --- the archive itself
  { name: 'empty file', reason: 'ZipEmpty', build: () => Buffer.alloc(0) },
  { name: 'not a zip at all', reason: 'ZipInvalid', build: () => Buffer.from('<html>404 Not Found</html>\n') },
  { name: 'truncated zip', reason: 'ZipInvalid', build: (kit) => { const zip = zipOf(kit.files()); return zip.subarray(0, Math.floor(zip.length / 2)); } },
  { name: 'corrupt deflate data', reason: 'ZipInvalid', message: /corrupt/,
    build: (kit) => { const files = kit.files(); delete files[MAIN]; return zipOf(files, [{ name: MAIN, data: APPD_YAML, payload: Buffer.from('this is not deflate data at all, not even close') }]); } },
  { name: 'CRC mismatch', reason: 'ZipInvalid', message: /CRC/, build: (kit) => { const files = kit.files(); delete files[MAIN]; return zipOf(files, [{ name: MAIN, data: APPD_YAML, declaredCrc32: 0x12345678 }]); } },
  { name: 'encrypted APPD', reason: 'EncryptedEntry', build: (kit) => { const files = kit.files(); delete files[MAIN]; return zipOf(files, [{ name: MAIN, data: APPD_YAML, flags: 0x801 }]); } },
  { name: 'APPD with an unsupported compression method', reason: 'UnsupportedCompression',
    build: (kit) => { const files = kit.files(); delete files[MAIN]; return zipOf(files, [{ name: MAIN, data: APPD_YAML, method: 14 }]); } },
  { name: 'nested APPD zip that is not a zip', reason: 'ZipInvalid', message: /MainServiceTemplate\.zip/, build: (kit) => appdZip(kit, Buffer.from('definitely not a zip')) },
  // --- TOSCA.meta and manifest
  { name: 'missing TOSCA.meta', reason: 'ToscaMetaMissing', build: (kit) => changed(kit, { [META]: undefined }) },
  { name: 'TOSCA.meta without Entry-Definitions', reason: 'ToscaMetaInvalid', message: /Entry-Definitions/, build: (kit) => changed(kit, { [META]: 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\n' }) },
  { name: 'Entry-Definitions climbing out', reason: 'ToscaMetaInvalid', build: (kit) => changed(kit, { [META]: 'Entry-Definitions: ../../etc/passwd\n' }) },
  { name: 'TOSCA.meta that is not text', reason: 'ToscaMetaInvalid', build: (kit) => changed(kit, { [META]: Buffer.from([0xff, 0xfe, 0x00, 0x45]) }) },
  { name: 'missing manifest', reason: 'ManifestMissing', build: (kit) => changed(kit, { 'demo.mf': undefined }) },
  { name: 'two manifests', reason: 'ManifestInvalid', message: /several/, build: (kit) => changed(kit, { 'other.mf': String(kit.files()['demo.mf']) }) },
  { name: 'manifest record without a hash', reason: 'ManifestInvalid', message: /Hash/, build: (kit) => changed(kit, { 'demo.mf': `${String(kit.files()['demo.mf'])}\nSource: x\nAlgorithm: SHA-256\n` }) },
  { name: 'manifest with an unknown app_class', reason: 'ManifestInvalid', message: /app_class/,
    build: (kit) => changed(kit, { 'demo.mf': String(kit.files()['demo.mf']).replace('app_class: container', 'app_class: banana') }) },
  { name: 'signature block cut off', reason: 'ManifestInvalid', message: /END CMS/, build: (kit) => changed(kit, { 'demo.mf': `${String(kit.files()['demo.mf'])}\n-----BEGIN CMS-----\nMIIB\n` }) },
  // --- APPD
  { name: 'missing APPD', reason: 'AppdMissing', build: (kit) => changed(kit, { [MAIN]: undefined }) },
  { name: 'APPD that is not YAML', reason: 'AppdInvalid', message: /not valid YAML/, build: (kit) => changed(kit, { [MAIN]: 'topology_template: [unclosed\n  - {: :\n' }) },
  { name: 'APPD that is a list', reason: 'AppdInvalid', build: (kit) => changed(kit, { [MAIN]: '- a\n- b\n' }) },
  { name: 'APPD without topology_template', reason: 'AppdInvalid', message: /topology_template/, build: (kit) => changed(kit, { [MAIN]: 'tosca_definitions_version: tosca_simple_profile_yaml_1_2\n' }) },
  { name: 'APPD zip with no APPD in it', reason: 'AppdMissing', build: (kit) => appdZip(kit, buildZip([{ name: 'a.yaml', data: 'a: 1' }, { name: 'b.yaml', data: 'b: 1' }])) },
  // --- images
  { name: 'SwImageDesc.json not JSON', reason: 'SwImageDescInvalid', build: (kit) => changed(kit, { 'Image/SwImageDesc.json': '[{"name": "x",' }) },
  { name: 'SwImageDesc.json entry without swImage', reason: 'SwImageDescInvalid', message: /swImage/, build: (kit) => changed(kit, { 'Image/SwImageDesc.json': '[{"name": "x"}]' }) },
  // --- charts
  { name: 'missing chart', reason: 'ChartMissing', build: (kit) => changed(kit, { [CHART]: undefined }) },
  { name: 'chart that is not gzip', reason: 'ChartInvalid', message: /gzip/, build: (kit) => changed(kit, { [CHART]: 'apiVersion: v2\nname: demo\n' }) },
  { name: 'chart that is gzip but not tar', reason: 'ChartInvalid', build: async (kit) => changed(kit, { [CHART]: (await import('node:zlib')).gzipSync(randomBytes(2000)) }) },
  { name: 'truncated chart', reason: 'ChartInvalid', build: (kit) => changed(kit, { [CHART]: kit.chart.subarray(0, kit.chart.length - 40) }) },
  { name: 'chart tgz with a path-traversal member', reason: 'ChartUnsafePath', message: /"\.\."/,
    build: async (kit) => changed(kit, { [CHART]: await buildTgz([{ name: 'demo/Chart.yaml', data: 'name: demo\nversion: 1.0.0\n' }, { name: 'demo/../../../escaped', data: 'x' }]) }) },
  { name: 'chart tgz with an absolute member', reason: 'ChartUnsafePath', message: /absolute/,
    build: async (kit) => changed(kit, { [CHART]: await buildTgz([{ name: '/etc/cron.d/evil', data: 'x' }]) }) },
  { name: 'chart tgz with a symlink', reason: 'ChartUnsafePath', message: /symlink/,
    build: async (kit) => changed(kit, { [CHART]: await buildTgz([{ name: 'demo/Chart.yaml', data: 'name: demo\nversion: 1.0.0\n' }, { name: 'demo/templates/x', type: 'symlink', linkname: '/etc/passwd' }]) }) },
  { name: 'chart tgz without Chart.yaml', reason: 'ChartYamlMissing', build: async (kit) => changed(kit, { [CHART]: await buildTgz([{ name: 'demo/values.yaml', data: 'a: 1\n' }]) }) },
  { name: 'chart tgz whose Chart.yaml has no version', reason: 'ChartInvalid', message: /version/,
    build: async (kit) => changed(kit, { [CHART]: await buildTgz([{ name: 'demo/Chart.yaml', data: 'apiVersion: v2\nname: demo\n' }]) }) },
  { name: 'chart tgz that is a gzip bomb', reason: 'ZipBomb', message: /maxCompressionRatio/,
    build: async (kit) => changed(kit, { [CHART]: (await import('node:zlib')).gzipSync(await buildTar([{ name: 'demo/zeros', data: Buffer.alloc(8 * 1024 * 1024) }])) }) },
];

describe('csar: hostile packages', function () {
  let kit: Kit;

  before(async function () {
    const chart = await chartTgz();
    kit = { chart, files: () => withManifest(validFiles(chart)) };
  });

  it('the unmodified base package opens (so every case below fails for its own reason)', async function () {
    const box = await sandbox();
    try {
      const pkg = await openCsar(await box.input('base.csar', zipOf(kit.files())), box.scratch);
      assert.equal(pkg.app.name, 'demo');
    } finally {
      await box.remove();
    }
  });

  it(`has at least 25 cases (${corpus.length})`, function () {
    assert.ok(corpus.length >= 25);
    assert.equal(new Set(corpus.map((c) => c.name)).size, corpus.length, 'case names are unique');
  });

  it('random corruption of valid packages only ever gives a CsarError, and leaves nothing behind', async function () {
    const directory = kit.files();
    const bases = [zipOf(directory), appdZip(kit, buildZip([{ name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }]))];
    let seed = 20240501; // deterministic: a failure here reproduces
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const box = await sandbox();
    try {
      for (let round = 0; round < 150; round++) {
        const bytes = Buffer.from(bases[round % 2]!);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        const input = await box.input('fuzzed.csar', bytes);
        try {
          const pkg = await openCsar(input, box.scratch);
          await rm(pkg.workDir, { recursive: true });
        } catch (err) {
          assert.ok(err instanceof CsarError, `round ${round}: ${String(err)}`);
        }
      }
      assert.deepEqual(await readdir(box.scratch), []);
    } finally {
      await box.remove();
    }
  });

  for (const hostile of corpus) {
    it(`${hostile.name} → ${hostile.reason}`, async function () {
      const box = await sandbox();
      try {
        const input = await box.input('package.csar', await hostile.build(kit));
        await assert.rejects(openCsar(input, box.scratch, hostile.limits), (err: unknown) => {
          assert.ok(err instanceof CsarError, `expected a CsarError, got ${String(err)}`);
          assert.equal(err.reason, hostile.reason, err.message);
          if (hostile.message) assert.match(err.message, hostile.message);
          return true;
        });
        assert.deepEqual(await box.list(), ['input', 'input/package.csar', 'scratch'], 'nothing is written outside the scratch dir');
        assert.deepEqual(await readdir(box.scratch), [], 'a refused package leaves nothing in the scratch dir');
      } finally {
        await box.remove();
      }
    });
  }
});
