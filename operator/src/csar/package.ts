/**
 * openCsar: reads an EdgeGallery CSAR package end to end — TOSCA.meta, manifest, APPD,
 * SwImageDesc.json, charts — and checks the manifest's hashes against the files. Whether the
 * result is trusted is verifyPackage's call, not this one's.
 *
 *   zip ─► package root ─► TOSCA.meta ─► manifest ─► app_class vm? ─► APPD ─► images ─► class ─► charts ─► hashes
 *          (the zip's top, or             (refused: UnsupportedAppClass)       (declared, or
 *           its one folder)                                                     inferred: VM evidence
 *                                                                               without a chart)
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAppd, type AppdProduct } from './appd.js';
import { locateAppd, type OpenContext } from './appd-layout.js';
import { CHARTS_DIR, inspectChart, isChartPath } from './charts.js';
import { checkEntryPath, safeFileName } from './entry-name.js';
import { CsarError, quote } from './errors.js';
import { DEFAULT_SW_IMAGE_DESC_PATH, parseSwImageDesc } from './images.js';
import { resolveLimits, type CsarLimits } from './limits.js';
import { parseManifest } from './manifest.js';
import { InflateBudget } from './meter.js';
import { parseToscaMeta, TOSCA_META_PATH, type ToscaMeta } from './tosca-meta.js';
import type { AppMetadata, Chart, CsarPackage, HashCheck, Manifest, SwImage } from './types.js';
import { decodeText, loadJson, loadYaml } from './yaml.js';
import { ZipArchive } from './zip.js';

/**
 * Opens the CSAR at `zipFile`, writing only into a new directory under `scratchDir` (created if
 * needed): the chart tarballs and any nested APPD zips. Returns the parsed package; the caller
 * removes `pkg.workDir` when done with it. Throws CsarError for anything wrong with the package
 * (and then leaves nothing behind); other errors (disk full, permissions) propagate as they are.
 */
export async function openCsar(zipFile: string, scratchDir: string, limits: Partial<CsarLimits> = {}): Promise<CsarPackage> {
  const resolved = resolveLimits(limits);
  await mkdir(scratchDir, { recursive: true });
  const workDir = await mkdtemp(join(scratchDir, 'csar-'));
  const ctx: OpenContext = { limits: resolved, budget: new InflateBudget(resolved.maxTotalUncompressedBytes), workDir, archives: [], warnings: [] };
  const closeAll = () => {
    for (const archive of ctx.archives.splice(0)) archive.close();
  };
  try {
    const pkg = await readPackage(zipFile, ctx);
    closeAll();
    return pkg;
  } catch (err) {
    closeAll();
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

async function readPackage(zipFile: string, ctx: OpenContext): Promise<CsarPackage> {
  const archive = await ZipArchive.open(zipFile, { label: '', depth: 0, limits: ctx.limits, budget: ctx.budget });
  ctx.archives.push(archive);
  // Many packages are a folder zipped whole (app/TOSCA-Metadata/TOSCA.meta, app/APPD/…): that folder is the package.
  const folder = archive.files.has(TOSCA_META_PATH) ? undefined : archive.soleFolder();
  const zip = folder === undefined ? archive : archive.within(folder);
  const root = folder === undefined ? '' : `${folder}/`;

  const meta = await readToscaMeta(zip, ctx.limits, root);
  const manifest = await readManifest(zip, meta, ctx.limits);
  const declared = declaredClass(manifest);
  if (declared === 'vm') refuseVm(`${quote(manifest.path)} declares app_class: vm`);

  const located = await locateAppd(zip, meta, ctx);
  const { appd, product, warnings } = parseAppd(loadYaml(located.text, quote(located.path), ctx.limits, 'AppdInvalid'), quote(located.path));
  ctx.warnings.push(...warnings);

  const images = await readImages(zip, meta, ctx.limits);
  const appClass = classOf(declared, { zip, product, images, appdPath: located.path });
  const charts = await readCharts(zip, ctx);
  if (appClass === 'container' && charts.length === 0) {
    throw new CsarError('ChartMissing', `the package is a container app but ${CHARTS_DIR} holds no chart (.tgz); add the Helm chart made with "helm package"`);
  }
  const hashes = await checkHashes(zip, manifest);

  return {
    workDir: ctx.workDir,
    app: appMetadata(manifest, product, appClass),
    manifest,
    appd: { source: located.source, path: located.path, layout: located.layout, ...appd },
    images,
    charts,
    hashes,
    entries: [...zip.files.keys()].sort(),
    signatureFiles: signatureFiles(zip, manifest, meta),
    root,
    warnings: ctx.warnings,
  };
}

async function readToscaMeta(zip: ZipArchive, limits: CsarLimits, root: string): Promise<ToscaMeta> {
  if (!zip.files.has(TOSCA_META_PATH)) {
    throw new CsarError('ToscaMetaMissing', root === ''
      ? `the package has no ${TOSCA_META_PATH}; a CSAR must have one naming its APPD in Entry-Definitions`
      : `the package has no ${TOSCA_META_PATH}, neither at its top nor in ${quote(root)}, the one folder it holds; a CSAR must have one naming its APPD in Entry-Definitions`);
  }
  const bytes = await zip.read(TOSCA_META_PATH, {
    maxBytes: limits.maxManifestBytes,
    tooLarge: () => new CsarError('ToscaMetaInvalid', `${TOSCA_META_PATH} is larger than ${limits.maxManifestBytes} bytes (limit maxManifestBytes)`),
  });
  return parseToscaMeta(decodeText(bytes, TOSCA_META_PATH, 'ToscaMetaInvalid'));
}

/** The manifest TOSCA.meta names (ETSI-Entry-Manifest), else the only `*.mf` at the package root. */
async function readManifest(zip: ZipArchive, meta: ToscaMeta, limits: CsarLimits): Promise<Manifest> {
  let path = meta.entryManifest !== undefined && zip.files.has(meta.entryManifest) ? meta.entryManifest : undefined;
  if (path === undefined) {
    const candidates = [...zip.files.keys()].filter((file) => !file.includes('/') && /\.mf$/i.test(file));
    if (candidates.length === 0) {
      throw new CsarError('ManifestMissing', 'the package has no manifest (a *.mf file at its root); add one with the app metadata and the files\' SHA-256 hashes');
    }
    if (candidates.length > 1) {
      throw new CsarError('ManifestInvalid', `the package has several manifests at its root (${candidates.join(', ')}); keep one, or name it in TOSCA.meta's ETSI-Entry-Manifest`);
    }
    path = candidates[0]!;
  }
  const manifestPath = path;
  const bytes = await zip.read(manifestPath, {
    maxBytes: limits.maxManifestBytes,
    tooLarge: () => new CsarError('ManifestTooLarge', `${quote(manifestPath)} is larger than ${limits.maxManifestBytes} bytes (limit maxManifestBytes); a manifest lists files, it should be small`),
  });
  return parseManifest(decodeText(bytes, quote(manifestPath), 'ManifestInvalid'), manifestPath);
}

/** SwImageDesc.json where TOSCA.meta says (Content-Type SwImageDesc) or at its usual path; none is an empty list. */
async function readImages(zip: ZipArchive, meta: ToscaMeta, limits: CsarLimits): Promise<SwImage[]> {
  const named = Object.entries(meta.contentTypes).find(([, type]) => type.toLowerCase() === 'swimagedesc')?.[0];
  const checked = named === undefined ? undefined : checkEntryPath(named);
  const path = checked?.ok && zip.files.has(checked.path) ? checked.path : DEFAULT_SW_IMAGE_DESC_PATH;
  if (!zip.files.has(path)) return [];
  const bytes = await zip.read(path, {
    maxBytes: limits.maxYamlBytes,
    tooLarge: () => new CsarError('YamlTooLarge', `${quote(path)} is larger than ${limits.maxYamlBytes} bytes (limit maxYamlBytes)`),
  });
  return parseSwImageDesc(loadJson(decodeText(bytes, quote(path), 'SwImageDescInvalid'), quote(path), limits, 'SwImageDescInvalid'), quote(path));
}

async function readCharts(zip: ZipArchive, ctx: OpenContext): Promise<Chart[]> {
  const charts: Chart[] = [];
  const sources = [...zip.files.keys()].filter(isChartPath).sort();
  for (const [index, source] of sources.entries()) {
    const { file, sha256 } = await zip.extract(source, ctx.workDir, `chart-${index}-${safeFileName(source, 'chart.tgz')}`);
    const info = await inspectChart(file, quote(source), ctx.limits, ctx.budget);
    charts.push({ path: file, source, name: info.name, version: info.version, sha256 });
  }
  return charts;
}

const ALGORITHMS: Record<string, 'sha256' | 'sha384' | 'sha512'> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

/** Compares every manifest record with the file it names. */
async function checkHashes(zip: ZipArchive, manifest: Manifest): Promise<HashCheck[]> {
  const checks: HashCheck[] = [];
  for (const file of manifest.files) {
    const algorithm = ALGORITHMS[file.algorithm.toUpperCase().replace(/[-_ ]/g, '')];
    const checked = checkEntryPath(file.source);
    if (algorithm === undefined) {
      checks.push({ source: file.source, status: 'unsupportedAlgorithm' });
    } else if (!checked.ok || !zip.files.has(checked.path)) {
      checks.push({ source: file.source, status: 'missing' });
    } else {
      const actual = await zip.digest(checked.path, algorithm);
      checks.push({ source: file.source, status: actual === file.hash.toLowerCase() ? 'ok' : 'mismatch' });
    }
  }
  return checks;
}

/** A metadata key of the manifest, by its EdgeGallery name or its ETSI SOL004 name, any case. */
function metadataValue(manifest: Manifest, ...keys: string[]): string | undefined {
  const wanted = keys.map((key) => key.toLowerCase());
  for (const key of wanted) {
    for (const [k, v] of Object.entries(manifest.metadata)) {
      if (k.toLowerCase() === key && v.trim() !== '') return v.trim();
    }
  }
  return undefined;
}

/** The manifest's app_class, lower-cased; ManifestInvalid when it is neither container nor vm. */
function declaredClass(manifest: Manifest): 'container' | 'vm' | undefined {
  const declared = metadataValue(manifest, 'app_class');
  if (declared === undefined) return undefined;
  const lower = declared.toLowerCase();
  if (lower === 'container' || lower === 'vm') return lower;
  throw new CsarError('ManifestInvalid', `${quote(manifest.path)}: app_class ${JSON.stringify(declared.slice(0, 64))} is neither container nor vm`);
}

function refuseVm(evidence: string): never {
  throw new CsarError('UnsupportedAppClass',
    `the package is a VM app (${evidence}); this operator deploys container apps (Helm charts) only: deploy VM apps with a VM-capable MEPM`);
}

/** Disk formats only VM images have (SwImageDesc diskFormat). `raw` is not one: container packages write it too. */
const VM_DISK_FORMATS: ReadonlySet<string> = new Set(['qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'iso', 'ami', 'ari', 'aki', 'ploop']);
const VM_IMAGE_FILE = /\.(qcow2|vmdk|vhdx?|vdi|iso|img)$/i;

/**
 * container or vm, refusing vm (UnsupportedAppClass). The manifest's app_class wins; then the
 * APPD's; then a chart means container; then VM evidence (VM disk formats or image files, or
 * VDUs with software images) means vm; else container (and ChartMissing follows).
 */
function classOf(declared: 'container' | 'vm' | undefined, found: { zip: ZipArchive; product: AppdProduct; images: SwImage[]; appdPath: string }): 'container' {
  if (declared === 'container') return 'container';
  const { zip, product, images, appdPath } = found;
  if (product.declaredClass === 'vm') refuseVm(`its APPD ${quote(appdPath)} declares app_class vm`);
  if (product.declaredClass === 'container' || [...zip.files.keys()].some(isChartPath)) return 'container';
  const disk = images.find((image) => VM_DISK_FORMATS.has(image.diskFormat?.toLowerCase() ?? '') || VM_IMAGE_FILE.test(image.swImage));
  if (disk !== undefined) refuseVm(`image ${JSON.stringify(disk.name.slice(0, 64))} is a VM disk (${disk.diskFormat ?? disk.swImage.slice(-64)}), and there is no chart`);
  const file = [...zip.files.keys()].find((path) => path.startsWith('Image/') && VM_IMAGE_FILE.test(path));
  if (file !== undefined) refuseVm(`it holds the VM disk ${quote(file)} and no chart`);
  if (product.hasVduImages) refuseVm('its VDUs name software images (sw_image_data) and there is no chart');
  return 'container';
}

/** The files of the manifest's signature that exist in the package (they need no hash record). */
function signatureFiles(zip: ZipArchive, manifest: Manifest, meta: ToscaMeta): string[] {
  const base = manifest.path.replace(/\.mf$/i, '');
  const named = Object.entries(meta.keys).find(([key]) => key.toLowerCase() === 'etsi-entry-certificate')?.[1];
  const checked = named === undefined ? undefined : checkEntryPath(named);
  const candidates = [`${base}.cert`, `${base}.cms`, ...(checked?.ok ? [checked.path] : [])];
  return [...new Set(candidates)].filter((path) => path !== manifest.path && zip.files.has(path)).sort();
}

function appMetadata(manifest: Manifest, product: AppdProduct, appClass: 'container'): AppMetadata {
  const name = metadataValue(manifest, 'app_product_name', 'vnf_product_name') ?? product.name;
  const provider = metadataValue(manifest, 'app_provider_id', 'vnf_provider_id') ?? product.provider;
  const version = metadataValue(manifest, 'app_package_version', 'vnf_package_version', 'vnf_software_version') ?? product.version;
  const missing = [name === undefined && 'app_product_name', provider === undefined && 'app_provider_id', version === undefined && 'app_package_version']
    .filter((key): key is string => typeof key === 'string');
  if (name === undefined || provider === undefined || version === undefined) {
    throw new CsarError('ManifestInvalid', `${quote(manifest.path)} does not give ${missing.join(', ')} and the APPD has no stand-in; add them to its metadata block`);
  }
  const app: AppMetadata = { name, provider, version, class: appClass };
  const type = metadataValue(manifest, 'app_type');
  const description = metadataValue(manifest, 'app_package_description') ?? product.description;
  const releaseTime = metadataValue(manifest, 'app_release_data_time', 'app_release_date_time', 'vnf_release_date_time');
  if (type !== undefined) app.type = type;
  if (description !== undefined) app.description = description;
  if (releaseTime !== undefined) app.releaseTime = releaseTime;
  return app;
}
