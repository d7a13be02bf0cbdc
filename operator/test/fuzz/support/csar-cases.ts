/**
 * Generated CSAR packages — valid packages of each layout, edited entry by entry (names, contents,
 * zip attributes, nesting, wrapping in a folder, generated rules) and then mutated byte by byte —
 * and what openCsar must do with every one: open it or throw a CsarError, never anything else,
 * and leave nothing behind when it refuses. Shared by the CI fuzz tests and bench/fuzz.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { checkEntryPath } from '../../../src/csar/entry-name.js';
import { CsarError, judgeRules, openCsar, verifyPackage, type CsarLimits } from '../../../src/csar/index.js';
import { APPD_YAML, buildTgz, chartTgz, validFiles, withManifest, type Files } from '../../csar/support/packages.js';
import { buildZip, type ZipEntrySpec } from '../../csar/support/zip-builder.js';
import { trafficRuleArb, dnsRuleArb } from './rule-cases.js';

const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';
const META = 'TOSCA-Metadata/TOSCA.meta';

/** The valid packages edits start from (one per APPD layout), and chart tarballs good and bad. */
export interface Seeds {
  packages: Files[];
  charts: Buffer[];
}

/** Builds the seeds (tarballs are built with a stream, so this is async). */
export async function makeSeeds(): Promise<Seeds> {
  const chart = await chartTgz();
  const charts = [
    chart,
    await buildTgz([{ name: 'c/Chart.yaml', data: 'name: c\nversion: 1\n' }, { name: '../escape', data: 'x' }]),
    await buildTgz([{ name: 'c/Chart.yaml', data: 'name: c\nversion: 1\n' }, { name: 'c/link', type: 'symlink', linkname: '/etc/passwd' }]),
    await buildTgz([{ name: 'c/Chart.yaml', data: 'a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n' }]),
    await buildTgz([{ name: 'a/Chart.yaml', data: 'name: a\nversion: 1\n' }, { name: 'b/Chart.yaml', data: 'name: b\nversion: 1\n' }]),
    await buildTgz([{ name: 'c/values.yaml', data: '' }]),
    gzipSync(Buffer.from('not a tar archive')),
    chart.subarray(0, chart.length >> 1),
  ];
  const directory = withManifest(validFiles(chart));
  const inner = buildZip([{ name: 'TOSCA_VNFD.meta', data: 'Entry-Definitions: Definition/MainServiceTemplate.yaml\n' }, { name: 'Definition/MainServiceTemplate.yaml', data: APPD_YAML }]);
  const zipped = validFiles(chart);
  delete zipped[MAIN];
  const zip = withManifest({ ...zipped, [META]: 'Entry-Definitions: APPD/MainServiceTemplate.zip\n', 'APPD/MainServiceTemplate.zip': inner });
  const fallback = withManifest({ ...zipped, 'APPD/APPD.zip': inner });
  return { packages: [directory, zip, fallback], charts };
}

/** Names an attacker or a careless tool writes. */
const HOSTILE_NAMES = ['../evil', '/etc/passwd', 'C:\\x', 'a\\b', 'a/../../b', 'x\u0000y', 'a//b', './TOSCA-Metadata/TOSCA.meta', 'APPD/', 'TOSCA-Metadata',
  'é/ü.yaml', 'a'.repeat(1100), 'Artifacts/Deployment/Charts/x.tgz', 'APPD/x.zip', 'Image/SwImageDesc.json', 'Image/d.qcow2', 'other.mf', 'app/TOSCA-Metadata/TOSCA.meta'];

/** Pieces that make text interesting to the readers of TOSCA.meta, manifests, YAML and JSON. */
const TOKENS = [':', '\n', '\r\n', '- ', '  ', '&a ', '*a', '<<: *a', '{', '}', '[', ']', '!!binary', '!<tag:x>', '%YAML 1.2\n', '---\n', '...', '#', '"', "'", '\\',
  'Entry-Definitions: ', 'ETSI-Entry-Manifest: ', 'Name: ', 'Content-Type: SwImageDesc', 'Source: ', 'Algorithm: SHA-256', 'Hash: ', 'metadata:\n', 'app_class: vm',
  '-----BEGIN CMS-----', '-----END CMS-----', '\u0000', '\uFEFF', 'é', '\uD800', '../', 'APPD/APPD.zip', '__proto__', 'constructor', '1e999', '-0', 'null', '~'];

const textEdit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 8 }), insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 8 })) });

function applyTextEdits(text: string, edits: Array<{ at: number; remove: number; insert: string }>): string {
  let out = text;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % (out.length + 1);
    out = out.slice(0, at) + edit.insert + out.slice(at + edit.remove);
  }
  return out;
}

/** YAML documents meant to stress the loader and the APPD reader. */
const yamlDocs = fc.oneof(
  fc.constantFrom(
    'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    `${'['.repeat(200)}${']'.repeat(200)}`, 'topology_template: &t {node_templates: *t}\n', '&a [*a]', 'topology_template: 5', '- a\n- b', '', '\u0000',
    'topology_template:\n  node_templates:\n    c:\n      type: tosca.nodes.nfv.app.configuration\n      properties: &p\n        appTrafficRule: [*p]\n'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => yaml.dump(value)),
);

/** An APPD with generated rules in place of the demo's. */
const appdWithRules = fc.record({ traffic: fc.array(trafficRuleArb, { maxLength: 3 }), dns: fc.array(dnsRuleArb, { maxLength: 3 }) }).map(({ traffic, dns }) => {
  const doc = yaml.load(APPD_YAML) as { topology_template: { node_templates: { app_configuration: { properties: Record<string, unknown> } } } };
  const properties = doc.topology_template.node_templates.app_configuration.properties;
  properties['appTrafficRule'] = traffic;
  properties['appDnsRule'] = dns;
  return yaml.dump(doc, { skipInvalid: true });
});

/** New contents for an entry, given what it held. */
function contentArb(seeds: Seeds): fc.Arbitrary<(old: Buffer) => Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(textEdit, { minLength: 1, maxLength: 6 }).map((edits) => (old: Buffer) => Buffer.from(applyTextEdits(old.toString('utf8'), edits))) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => () => Buffer.from(bytes)) },
    { weight: 2, arbitrary: yamlDocs.map((text) => () => Buffer.from(text)) },
    { weight: 2, arbitrary: appdWithRules.map((text) => () => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => () => Buffer.from(JSON.stringify(value))) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds.charts).map((chart) => () => chart) },
    { weight: 1, arbitrary: fc.record({ diskFormat: fc.constantFrom('qcow2', 'raw', 'iso', 5), swImage: fc.constantFrom('Image/a.qcow2', 'r.example/a:1', '', null) }, { requiredKeys: [] })
      .map((image) => () => Buffer.from(JSON.stringify([{ name: 'img', ...image }]))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => () => gzipSync(Buffer.from(bytes))) },
    { weight: 1, arbitrary: fc.nat({ max: 64 }).map((cut) => (old: Buffer) => old.subarray(0, Math.max(0, old.length - cut))) },
  );
}

/** Zip header attributes as hostile tools write them. */
const attributesArb: fc.Arbitrary<Partial<ZipEntrySpec>> = fc.record({
  method: fc.constantFrom(0, 8, 12, 99),
  externalAttributes: fc.constantFrom((0o120777 << 16) >>> 0, (0o040755 << 16) >>> 0, (0o010644 << 16) >>> 0, (0o060644 << 16) >>> 0, 0, 0x10),
  flags: fc.constantFrom(0, 1, 0x800, 0x801, 0x8),
  versionMadeBy: fc.constantFrom(0x031e, 0x0014, 0x0b14),
  declaredUncompressedSize: fc.oneof(fc.nat({ max: 4096 }), fc.constant(0xffffffff), fc.constant(2 ** 31)),
  declaredCompressedSize: fc.nat({ max: 4096 }),
  declaredCrc32: fc.nat(),
  extra: fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
}, { requiredKeys: [] });

/** One edit of the entry list. */
type Edit = (entries: ZipEntrySpec[]) => ZipEntrySpec[];

function editArb(seeds: Seeds): fc.Arbitrary<Edit> {
  return fc.oneof(
  { weight: 2, arbitrary: fc.nat().map((i): Edit => (entries) => entries.filter((_, j) => j !== i % Math.max(entries.length, 1))) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ unit: 'binary', maxLength: 20 }), fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b))))
    .map(([i, name]): Edit => (entries) => entries.map((entry, j) => (j === i % entries.length ? { ...entry, name } : entry))) },
  { weight: 5, arbitrary: fc.tuple(fc.nat(), contentArb(seeds))
    .map(([i, change]): Edit => (entries) => entries.map((entry, j) => (j === i % entries.length ? { name: entry.name, data: change(Buffer.from(entry.data ?? '')) } : entry))) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), attributesArb)
    .map(([i, attributes]): Edit => (entries) => entries.map((entry, j) => (j === i % entries.length ? { ...entry, ...attributes } : entry))) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ maxLength: 20 })), contentArb(seeds))
    .map(([name, content]): Edit => (entries) => [...entries, { name, data: content(Buffer.alloc(0)) }]) },
  { weight: 1, arbitrary: fc.nat().map((i): Edit => (entries) => [...entries, entries[i % entries.length]!]) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom('APPD/APPD.zip', 'APPD/MainServiceTemplate.zip', 'x.zip', 'Artifacts/Deployment/Charts/n.tgz'))
    .map(([i, name]): Edit => (entries) => {
      const inner = entries[i % entries.length]!;
      const nested = name.endsWith('.tgz') ? Buffer.from(buildZip([inner])) : buildZip([inner, { name: 'inner.zip', data: buildZip([inner]) }]);
      return [...entries, { name, data: nested }];
    }) },
  { weight: 1, arbitrary: fc.constantFrom('app', 'a b', '..', 'TOSCA-Metadata').map((folder): Edit => (entries) =>
    entries.map((entry) => ({ ...entry, name: typeof entry.name === 'string' ? `${folder}/${entry.name}` : entry.name }))) },
  );
}

/** Byte-level mutations of the finished zip. */
const byteEditArb: fc.Arbitrary<(zip: Buffer) => Buffer> = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => (zip: Buffer) => {
    const out = Buffer.from(zip);
    for (const [at, mask] of flips) if (out.length > 0) out[at % out.length] = out[at % out.length]! ^ mask;
    return out;
  }),
  fc.nat().map((cut) => (zip: Buffer) => zip.subarray(0, zip.length === 0 ? 0 : cut % zip.length)),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, bytes]) => (zip: Buffer) => {
    const i = zip.length === 0 ? 0 : at % zip.length;
    return Buffer.concat([zip.subarray(0, i), Buffer.from(bytes), zip.subarray(i)]);
  }),
);

/** Limits, default or small enough that every limit is reached by some case. */
const limitsArb: fc.Arbitrary<Partial<CsarLimits>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.record({
    maxEntries: fc.integer({ min: 1, max: 30 }), maxTotalUncompressedBytes: fc.integer({ min: 1, max: 200_000 }), maxEntryBytes: fc.integer({ min: 1, max: 100_000 }),
    maxCompressionRatio: fc.integer({ min: 1, max: 100 }), ratioCheckMinBytes: fc.integer({ min: 1, max: 10_000 }), maxNestingDepth: fc.integer({ min: 0, max: 3 }),
    maxManifestBytes: fc.integer({ min: 1, max: 5_000 }), maxYamlBytes: fc.integer({ min: 1, max: 20_000 }), maxYamlNodes: fc.integer({ min: 1, max: 2_000 }),
  }, { requiredKeys: [] }) },
);

/** A generated package: the zip bytes and the limits to open it with. */
export interface CsarCase {
  zip: Buffer;
  limits: Partial<CsarLimits>;
}

/** Cases from `seeds`: a seed package, a few entry edits, sometimes byte edits, and limits. */
export function csarCaseArb(seeds: Seeds): fc.Arbitrary<CsarCase> {
  return fc.record({
    seed: fc.constantFrom(...seeds.packages),
    edits: fc.array(editArb(seeds), { maxLength: 3 }),
    bytes: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: byteEditArb }),
    limits: limitsArb,
  }).map(({ seed, edits, bytes, limits }) => {
    let entries: ZipEntrySpec[] = Object.entries(seed).map(([name, data]) => ({ name, data }));
    for (const edit of edits) entries = entries.length === 0 ? entries : edit(entries);
    const zip = buildZip(entries);
    return { zip: bytes === null ? zip : bytes(zip), limits };
  });
}

/** Where a run keeps its one input file and its scratch dir. */
export async function csarWorkspace(root: string): Promise<{ input: string; scratch: string }> {
  await mkdir(join(root, 'scratch'), { recursive: true });
  return { input: join(root, 'case.csar'), scratch: join(root, 'scratch') };
}

/**
 * Opens one case. Must hold: openCsar resolves or rejects with a CsarError (a reason and a short
 * message), and leaves nothing in the scratch dir when it rejects; an opened package has safe,
 * root-relative paths, a rule verdict, and a verification verdict that does not throw either.
 * Returns how the case ended: 'opened' or the CsarError's reason.
 */
export async function checkCsar(one: CsarCase, where: { input: string; scratch: string }): Promise<string> {
  await writeFile(where.input, one.zip);
  let outcome: string;
  try {
    const pkg = await openCsar(where.input, where.scratch, one.limits);
    try {
      for (const path of [...pkg.entries, pkg.appd.source, ...pkg.charts.map((chart) => chart.source)]) {
        const checked = checkEntryPath(path);
        assert.ok(checked.ok && checked.path === path, `unsafe path ${JSON.stringify(path).slice(0, 100)}`);
      }
      assert.ok(pkg.charts.every((chart) => chart.path.startsWith(`${pkg.workDir}/`)));
      assert.equal(pkg.hashes.length, pkg.manifest.files.length);
      assert.equal(judgeRules(pkg.appd).valid, pkg.appd.ruleProblems.length === 0);
      const verdict = await verifyPackage(pkg, { manifestHashes: 'Strict', signature: 'Skip' });
      assert.equal(typeof verdict.message, 'string');
      outcome = 'opened';
    } finally {
      await rm(pkg.workDir, { recursive: true, force: true });
    }
  } catch (err) {
    if (!(err instanceof CsarError)) throw err;
    assert.match(err.reason, /^[A-Z][A-Za-z]+$/);
    assert.ok(err.message.length > 0 && err.message.length < 4000, `message of ${err.message.length} characters`);
    outcome = err.reason;
  }
  const left = await readdir(where.scratch);
  assert.deepEqual(left, [], `left behind in the scratch dir: ${left.join(', ')}`);
  return outcome;
}
