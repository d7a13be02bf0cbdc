/**
 * Finding the APPD in the three layouts real EdgeGallery packages use:
 *
 *   directory     Entry-Definitions: APPD/Definition/MainServiceTemplate.yaml (present)
 *   zip           Entry-Definitions: APPD/MainServiceTemplate.zip (present; the YAML is inside)
 *   zipFallback   Entry-Definitions names a path that is not in the package, and APPD/ holds
 *                 one zip (APPD/APPD.zip): the YAML is inside that zip
 *   directory     Entry-Definitions names a path that is not in the package, and
 *   (fallback)    APPD/TOSCA_VNFD.meta names a YAML file relative to APPD/ that is
 *
 * Inside a zip the YAML is the one its TOSCA_VNFD.meta (or TOSCA-Metadata/TOSCA.meta) names,
 * else MainServiceTemplate.yaml, else its only YAML file; a zip holding only one zip is
 * opened in turn, up to maxNestingDepth.
 */
import { CsarError, quote } from './errors.js';
import { safeFileName } from './entry-name.js';
import type { CsarLimits } from './limits.js';
import type { InflateBudget } from './meter.js';
import { parseToscaMeta, type ToscaMeta } from './tosca-meta.js';
import type { AppdLayout } from './types.js';
import { decodeText } from './yaml.js';
import { ZipArchive } from './zip.js';

/** What openCsar shares with the readers of one package. */
export interface OpenContext {
  limits: CsarLimits;
  budget: InflateBudget;
  /** Where nested archives and charts are written; owned by this open. */
  workDir: string;
  /** Archives to close when the open ends. */
  archives: ZipArchive[];
  warnings: string[];
}

/** The APPD's YAML text and where it was found. */
export interface LocatedAppd {
  /** Entry of the package the APPD came from (the YAML, or the outermost zip holding it). */
  source: string;
  /** Display path of the YAML. */
  path: string;
  layout: AppdLayout;
  text: string;
}

const YAML_FILE = /\.ya?ml$/i;
const ZIP_FILE = /\.zip$/i;

/** Finds and reads the APPD of `pkg`; throws CsarError (AppdMissing, AppdInvalid, NestingTooDeep, YamlTooLarge, and the zip reasons of nested archives). */
export async function locateAppd(pkg: ZipArchive, meta: ToscaMeta, ctx: OpenContext): Promise<LocatedAppd> {
  const entry = meta.entryDefinitions;
  if (pkg.files.has(entry)) {
    if (YAML_FILE.test(entry)) return { source: entry, path: entry, layout: 'directory', text: await readYamlText(pkg, entry, ctx) };
    if (ZIP_FILE.test(entry)) {
      const found = await yamlInZip(pkg, entry, ctx);
      return { source: entry, path: found.path, layout: 'zip', text: found.text };
    }
    throw new CsarError('AppdInvalid', `Entry-Definitions names ${quote(entry)}, which is neither a YAML file nor a zip; point it at the APPD`);
  }
  // EdgeGallery's APPD.zip layout: Entry-Definitions names the YAML as it is inside the zip.
  const zipsIn = (dir: string) => [...pkg.files.keys()].filter((path) => path.startsWith(dir) && !path.slice(dir.length).includes('/') && ZIP_FILE.test(path));
  const named = entry.includes('/') ? `${entry.split('/')[0]}/` : 'APPD/';
  const folder = zipsIn(named).length > 0 ? named : 'APPD/';
  const zips = zipsIn(folder);
  if (zips.length === 0) {
    // No zip: the APPD folder's own TOSCA_VNFD.meta may name the YAML, relative to that folder.
    const vnfdNamed = (await namedEntries(pkg, [`${named}TOSCA_VNFD.meta`], ctx)).map((path) => `${named}${path}`);
    const viaVnfdMeta = vnfdNamed.find((path) => pkg.files.has(path) && YAML_FILE.test(path));
    if (viaVnfdMeta !== undefined) {
      ctx.warnings.push(`Entry-Definitions names ${quote(entry)}, which is not in the package; read the APPD that ${named}TOSCA_VNFD.meta names, ${quote(viaVnfdMeta)}`);
      return { source: viaVnfdMeta, path: viaVnfdMeta, layout: 'directory', text: await readYamlText(pkg, viaVnfdMeta, ctx) };
    }
  }
  if (zips.length === 1) {
    const source = zips[0]!;
    const found = await yamlInZip(pkg, source, ctx);
    ctx.warnings.push(`Entry-Definitions names ${quote(entry)}, which is not in the package; read the APPD from ${quote(found.path)}`);
    return { source, path: found.path, layout: 'zipFallback', text: found.text };
  }
  if (zips.length > 1) {
    throw new CsarError('AppdMissing', `Entry-Definitions names ${quote(entry)}, which is not in the package, and ${folder} holds several zips (${zips.join(', ')}); set Entry-Definitions to the APPD`);
  }
  throw new CsarError('AppdMissing', `Entry-Definitions names ${quote(entry)}, which is not in the package, and ${folder} holds no APPD zip; add the APPD or fix TOSCA-Metadata/TOSCA.meta`);
}

/** Opens the zip `path` of `outer` and finds the APPD YAML in it (recursing into a lone inner zip). */
async function yamlInZip(outer: ZipArchive, path: string, ctx: OpenContext): Promise<{ path: string; text: string }> {
  const { zip, named } = await openNested(outer, path, ctx);
  const yamlPath = chooseYaml(zip, named);
  if (yamlPath !== undefined) return { path: zip.display(yamlPath), text: await readYamlText(zip, yamlPath, ctx) };
  const zips = [...zip.files.keys()].filter((file) => ZIP_FILE.test(file));
  if (zips.length === 1) return yamlInZip(zip, zips[0]!, ctx);
  throw new CsarError('AppdMissing', `${quote(outer.display(path))} holds no APPD: no TOSCA_VNFD.meta naming it, no MainServiceTemplate.yaml, and not exactly one YAML file`);
}

/** The APPD YAML of an APPD zip (`named`: what its meta files name), or undefined when it cannot be told. */
function chooseYaml(zip: ZipArchive, named: string[]): string | undefined {
  const fromMeta = named.find((path) => zip.files.has(path) && YAML_FILE.test(path));
  if (fromMeta !== undefined) return fromMeta;
  const yamls = [...zip.files.keys()].filter((file) => YAML_FILE.test(file));
  const main = yamls.filter((file) => /(^|\/)MainServiceTemplate\.ya?ml$/i.test(file)).sort((a, b) => a.split('/').length - b.split('/').length);
  if (main.length > 0) return main[0];
  return yamls.length === 1 ? yamls[0] : undefined;
}

/** Extracts and opens a zip inside `outer`; returns it with the Entry-Definitions its meta files name. */
async function openNested(outer: ZipArchive, path: string, ctx: OpenContext): Promise<{ zip: ZipArchive; named: string[] }> {
  const label = outer.display(path);
  if (outer.depth + 1 > ctx.limits.maxNestingDepth) {
    throw new CsarError('NestingTooDeep', `${quote(label)} is a zip nested ${outer.depth + 1} levels deep, more than the limit of ${ctx.limits.maxNestingDepth} (maxNestingDepth)`);
  }
  const { file } = await outer.extract(path, ctx.workDir, `nested-${ctx.archives.length}-${safeFileName(path, 'appd.zip')}`);
  const zip = await ZipArchive.open(file, { label, depth: outer.depth + 1, limits: ctx.limits, budget: ctx.budget });
  ctx.archives.push(zip);
  return { zip, named: await namedEntries(zip, ['TOSCA_VNFD.meta', 'TOSCA-Metadata/TOSCA.meta'], ctx) };
}

/** The Entry-Definitions of those of the meta files `metaPaths` that `zip` holds; one that cannot be read gives a warning instead. */
async function namedEntries(zip: ZipArchive, metaPaths: string[], ctx: OpenContext): Promise<string[]> {
  const named: string[] = [];
  for (const metaPath of metaPaths) {
    if (!zip.files.has(metaPath)) continue;
    const what = zip.display(metaPath);
    const bytes = await zip.read(metaPath, {
      maxBytes: ctx.limits.maxManifestBytes,
      tooLarge: () => new CsarError('ToscaMetaInvalid', `${quote(what)} is larger than ${ctx.limits.maxManifestBytes} bytes (limit maxManifestBytes)`),
    });
    try {
      named.push(parseToscaMeta(decodeText(bytes, what, 'ToscaMetaInvalid'), what).entryDefinitions);
    } catch (err) {
      if (!(err instanceof CsarError)) throw err;
      ctx.warnings.push(`${err.message}; looked for the APPD by name instead`);
    }
  }
  return named;
}

/** Reads a YAML file of an archive as text, bounded by maxYamlBytes. */
export async function readYamlText(zip: ZipArchive, path: string, ctx: OpenContext): Promise<string> {
  const what = zip.display(path);
  const bytes = await zip.read(path, {
    maxBytes: ctx.limits.maxYamlBytes,
    tooLarge: () => new CsarError('YamlTooLarge', `${quote(what)} is larger than ${ctx.limits.maxYamlBytes} bytes (limit maxYamlBytes)`),
  });
  return decodeText(bytes, quote(what), 'AppdInvalid');
}
