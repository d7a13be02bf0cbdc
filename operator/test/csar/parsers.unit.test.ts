/** The pure pieces: entry names, TOSCA.meta, manifest, YAML guard, limits, APPD reading. */
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { parseAppd } from '../../src/csar/appd.js';
import { checkEntryPath, decodeZipEntryName, safeFileName, zipEntryFileType } from '../../src/csar/entry-name.js';
import { CsarError, defaultCsarLimits, resolveLimits } from '../../src/csar/index.js';
import { parseManifest } from '../../src/csar/manifest.js';
import { parseToscaMeta } from '../../src/csar/tosca-meta.js';
import { loadYaml } from '../../src/csar/yaml.js';

const limits = resolveLimits();

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CsarError) return err.reason;
    throw err;
  }
  return 'none';
}

describe('csar: parsers', function () {
  describe('checkEntryPath', function () {
    const cases: Array<[string, string | false]> = [
      ['APPD/Definition/MainServiceTemplate.yaml', 'APPD/Definition/MainServiceTemplate.yaml'],
      ['./APPD//x.yaml', 'APPD/x.yaml'],
      ['Artifacts/Tests/health check.yaml', 'Artifacts/Tests/health check.yaml'],
      ['Image/', 'Image'],
      ['../x', false], ['a/../../x', false], ['a/..', false], ['/etc/passwd', false], ['C:/x', false], ['c:x', false],
      ['..\\x', false], ['a\\b', false], ['a\u0000b', false], ['a\nb', false], ['', false], ['./', false], ['x'.repeat(1025), false],
    ];
    for (const [name, expected] of cases) {
      it(`${JSON.stringify(name.slice(0, 40))} → ${expected === false ? 'refused' : expected}`, function () {
        const checked = checkEntryPath(name);
        if (expected === false) assert.equal(checked.ok, false);
        else assert.deepEqual(checked.ok && checked.path, expected);
      });
    }
  });

  describe('zip entry names and types', function () {
    it('decodes UTF-8 names with or without the flag, and refuses invalid bytes', function () {
      assert.equal(decodeZipEntryName(Buffer.from('Artifacts/Docs/readme.md'), 0), 'Artifacts/Docs/readme.md');
      assert.equal(decodeZipEntryName(Buffer.from('文档/说明.md'), 0x800), '文档/说明.md');
      assert.equal(decodeZipEntryName(Buffer.from('文档/说明.md'), 0), '文档/说明.md');
      assert.equal(decodeZipEntryName(Buffer.from([0x61, 0xc3, 0x28]), 0x800), undefined);
    });

    it('prefers an Info-ZIP Unicode Path field whose CRC matches the header name', function () {
      const raw = Buffer.from('caf\x82.txt', 'latin1');
      const unicode = Buffer.from('café.txt');
      const field = Buffer.alloc(5 + unicode.length);
      field[0] = 1;
      field.writeUInt32LE(crc32(raw), 1);
      unicode.copy(field, 5);
      assert.equal(decodeZipEntryName(raw, 0, [{ id: 0x7075, data: field }]), 'café.txt');
      field.writeUInt32LE(0, 1); // stale: ignored, and the raw name is not UTF-8
      assert.equal(decodeZipEntryName(raw, 0, [{ id: 0x7075, data: field }]), undefined);
    });

    it('reads the Unix file type from external attributes', function () {
      assert.equal(zipEntryFileType(0), 'regular');
      assert.equal(zipEntryFileType((0o100644 << 16) >>> 0), 'regular');
      assert.equal(zipEntryFileType((0o040755 << 16) >>> 0), 'directory');
      assert.equal(zipEntryFileType((0o120777 << 16) >>> 0), 'symlink');
      assert.equal(zipEntryFileType((0o060644 << 16) >>> 0), 'special');
    });

    it('makes plain file names for the work dir', function () {
      assert.equal(safeFileName('Artifacts/Deployment/Charts/my chart.tgz', 'x'), 'my_chart.tgz');
      assert.equal(safeFileName('a/..', 'fallback'), 'fallback');
      assert.equal(safeFileName('a/.hidden', 'x'), 'hidden');
    });
  });

  describe('parseToscaMeta', function () {
    it('reads Entry-Definitions in any key case, CRLF lines, and the file blocks', function () {
      const meta = parseToscaMeta('TOSCA-Meta-File-Version: 1.0\r\nentry-definitions: APPD/MainServiceTemplate.zip\r\n\r\nName: Image/SwImageDesc.json\r\nContent-Type: SwImageDesc');
      assert.equal(meta.entryDefinitions, 'APPD/MainServiceTemplate.zip');
      assert.deepEqual(meta.contentTypes, { 'Image/SwImageDesc.json': 'SwImageDesc' });
    });

    it('refuses a missing, empty or unsafe Entry-Definitions and lines that are not Key: Value', function () {
      assert.equal(reasonOf(() => parseToscaMeta('CSAR-Version: 1.1\n')), 'ToscaMetaInvalid');
      assert.equal(reasonOf(() => parseToscaMeta('Entry-Definitions:\n')), 'ToscaMetaInvalid');
      assert.equal(reasonOf(() => parseToscaMeta('Entry-Definitions: /abs.yaml\n')), 'ToscaMetaInvalid');
      assert.equal(reasonOf(() => parseToscaMeta('Entry-Definitions: a.yaml\ngarbage\n')), 'ToscaMetaInvalid');
    });
  });

  describe('parseManifest', function () {
    const body = 'metadata:\r\napp_product_name: demo\r\napp_release_data_time: 2021-03-24 16:24\r\n\r\nSource: ./APPD/a.yaml\r\nAlgorithm: SHA-256\r\nHash: AB12\r\n';

    it('reads metadata (values with colons), records, CRLF lines, and strips ./', function () {
      const manifest = parseManifest(body, 'demo.mf');
      assert.deepEqual(manifest.metadata, { app_product_name: 'demo', app_release_data_time: '2021-03-24 16:24' });
      assert.deepEqual(manifest.files, [{ source: 'APPD/a.yaml', algorithm: 'SHA-256', hash: 'AB12' }]);
      assert.equal(manifest.signature, undefined);
    });

    it('splits off the CMS block and keeps what it signs', function () {
      const manifest = parseManifest(`${body}\n-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n`, 'demo.mf');
      assert.equal(manifest.signature, '-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n');
      assert.equal(manifest.signedContent, `${body}\n`);
      assert.equal(manifest.files.length, 1);
    });

    it('refuses a record without its hash', function () {
      assert.equal(reasonOf(() => parseManifest('Source: a\nAlgorithm: SHA-256\n', 'x.mf')), 'ManifestInvalid');
    });
  });

  describe('loadYaml', function () {
    it('keeps every scalar as written', function () {
      assert.deepEqual(loadYaml('version: 1.0\nport: 08080\nflag: yes\nwhen: 2021-03-24\n', 'x', limits, 'AppdInvalid'),
        { version: '1.0', port: '08080', flag: 'yes', when: '2021-03-24' });
    });

    it('keeps a __proto__ key as data', function () {
      const tree = loadYaml('__proto__:\n  polluted: yes\n', 'x', limits, 'AppdInvalid') as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(tree), Object.prototype);
      assert.deepEqual(Object.keys(tree), ['__proto__']);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });

    it('counts aliases as expanded: a small document with many aliases is a bomb', function () {
      const text = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [${Array(100).fill('*a').join(', ')}]\n`;
      assert.equal(reasonOf(() => loadYaml(text, 'x', { ...limits, maxYamlNodes: 1000 }, 'AppdInvalid')), 'YamlBomb');
      assert.equal(reasonOf(() => loadYaml(text, 'x', limits, 'AppdInvalid')), 'none');
    });
  });

  describe('limits', function () {
    it('merges overrides and refuses nonsense', function () {
      assert.equal(resolveLimits({ maxEntries: 5 }).maxEntries, 5);
      assert.equal(resolveLimits().maxYamlBytes, defaultCsarLimits.maxYamlBytes);
      assert.throws(() => resolveLimits({ maxEntries: 0 }), RangeError);
      assert.throws(() => resolveLimits({ maxEntryBytes: 1.5 }), RangeError);
      assert.equal(resolveLimits({ maxNestingDepth: 0 }).maxNestingDepth, 0);
    });
  });

  describe('parseAppd', function () {
    it('sums VDUs and converts TOSCA sizes', function () {
      const vdu = (memory: string, storage: string) => ({
        type: 'tosca.nodes.nfv.Vdu.Compute',
        capabilities: { virtual_compute: { properties: { virtual_cpu: { num_virtual_cpu: '2' }, virtual_memory: { virtual_mem_size: memory }, virtual_local_storage: [{ size_of_storage: storage }] } } },
      });
      const { appd, warnings } = parseAppd({ topology_template: { node_templates: { a: vdu('4 GB', '20 GiB'), b: vdu('512', '10') } } }, 'x');
      assert.deepEqual(appd.compute, { cpu: 4, memoryMiB: 4608, storageGiB: 30 });
      assert.deepEqual(warnings, []);
    });

    it('reports what it cannot read instead of failing', function () {
      const { appd, warnings } = parseAppd({ topology_template: { inputs: { bad: 'x' }, node_templates: {
        c: { type: 'tosca.nodes.nfv.app.configuration', properties: { appSupportMp1: 'maybe', appServiceRequired: [{ version: '1' }] } },
      } } }, 'x');
      assert.equal(appd.appSupportMp1, undefined);
      assert.deepEqual(appd.servicesRequired, []);
      assert.equal(warnings.length, 3, warnings.join('\n'));
    });

    it('refuses a document that is not a service template', function () {
      assert.equal(reasonOf(() => parseAppd('text', 'x')), 'AppdInvalid');
      assert.equal(reasonOf(() => parseAppd({ topology_template: 'x' }, 'x')), 'AppdInvalid');
    });
  });
});
