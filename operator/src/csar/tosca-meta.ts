/**
 * TOSCA-Metadata/TOSCA.meta: `Key: Value` lines in blocks separated by blank lines. The first
 * block describes the package (Entry-Definitions names the APPD); later blocks describe files
 * (`Name:` + `Content-Type:`).
 */
import { checkEntryPath } from './entry-name.js';
import { CsarError } from './errors.js';

/** Where TOSCA.meta lives in a package. */
export const TOSCA_META_PATH = 'TOSCA-Metadata/TOSCA.meta';

/** The parsed TOSCA.meta. */
export interface ToscaMeta {
  /** Normalised path of the entry definitions (it may name a file that is not in the package). */
  entryDefinitions: string;
  /** ETSI-Entry-Manifest, when given: the manifest to use. */
  entryManifest?: string;
  /** Keys of the first block, as written. */
  keys: Record<string, string>;
  /** `Name:` → `Content-Type:` of the file blocks. */
  contentTypes: Record<string, string>;
}

/**
 * Parses TOSCA.meta text; throws CsarError('ToscaMetaInvalid') when Entry-Definitions is
 * missing, empty or not a safe relative path, or a line is not `Key: Value`.
 */
export function parseToscaMeta(text: string, what: string = TOSCA_META_PATH): ToscaMeta {
  const blocks: Array<Record<string, string>> = [];
  let current: Record<string, string> | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      current = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CsarError('ToscaMetaInvalid', `${what} line ${index + 1} is not "Key: Value"; fix or remove it`);
    if (current === undefined) {
      current = {};
      blocks.push(current);
    }
    current[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  const keys = blocks[0] ?? {};
  const entry = lookup(keys, 'Entry-Definitions');
  if (entry === undefined || entry === '') {
    throw new CsarError('ToscaMetaInvalid', `${what} has no Entry-Definitions; add "Entry-Definitions: <path of the APPD>" to its first block`);
  }
  const checked = checkEntryPath(entry);
  if (!checked.ok || checked.isDirectory) {
    throw new CsarError('ToscaMetaInvalid', `${what}: Entry-Definitions ${JSON.stringify(entry)} is not a relative file path inside the package${checked.ok ? '' : ` (${checked.why})`}`);
  }
  const meta: ToscaMeta = { entryDefinitions: checked.path, keys, contentTypes: {} };
  const manifest = lookup(keys, 'ETSI-Entry-Manifest');
  if (manifest !== undefined) {
    const checkedManifest = checkEntryPath(manifest);
    if (checkedManifest.ok) meta.entryManifest = checkedManifest.path;
  }
  for (const block of blocks) {
    const name = lookup(block, 'Name');
    const type = lookup(block, 'Content-Type');
    if (name !== undefined && type !== undefined) meta.contentTypes[name] = type;
  }
  return meta;
}

/** A key of a block, matched case-insensitively (EdgeGallery writes both Created-By and Created-by). */
function lookup(block: Record<string, string>, key: string): string | undefined {
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(block)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
