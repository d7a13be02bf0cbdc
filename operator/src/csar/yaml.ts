/**
 * YAML loading that a hostile document cannot blow up. js-yaml has no alias limit, but it
 * keeps an alias as a reference to the anchored node rather than a copy, so loading a
 * "billion laughs" document is cheap; the cost comes when something walks it. We walk it
 * once, copying it into a plain tree and counting every node as it would be expanded, and
 * stop at maxYamlNodes. Cycles (an alias inside its own anchor) hit the same cap. Nesting
 * depth is bounded by js-yaml itself (maxDepth 100) and by the iterative copy.
 */
import yaml from 'js-yaml';
import { plainTree } from '../util/yaml.js';
import { CsarError, type CsarErrorReason } from './errors.js';
import type { CsarLimits } from './limits.js';
import type { JsonValue } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 text (a leading BOM dropped); throws CsarError with `reason` when the bytes
 * are not UTF-8, naming `what`.
 */
export function decodeText(bytes: Buffer, what: string, reason: CsarErrorReason): string {
  try {
    return utf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new CsarError(reason, `${what} is not UTF-8 text; save it as UTF-8`);
  }
}

/**
 * Parses YAML with every scalar kept as the string it was written as (the failsafe schema:
 * `version: 1.0` stays "1.0", no dates, no surprises), and returns a plain tree. Throws
 * CsarError: YamlBomb when the expanded tree passes maxYamlNodes or nests too deep,
 * `invalidReason` when the text is not YAML.
 */
export function loadYaml(text: string, what: string, limits: CsarLimits, invalidReason: CsarErrorReason): JsonValue {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    if (/maxDepth|maxTotalMergeKeys/.test(message) || err instanceof RangeError) {
      throw new CsarError('YamlBomb', `${what} nests too deeply to be a real document (${message}); refused`);
    }
    throw new CsarError(invalidReason, `${what} is not valid YAML: ${message}`);
  }
  return toTree(doc, what, limits.maxYamlNodes);
}

/** Parses JSON text into a tree, bounded like loadYaml; throws CsarError(`invalidReason`) when it is not JSON. */
export function loadJson(text: string, what: string, limits: CsarLimits, invalidReason: CsarErrorReason): JsonValue {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CsarError(invalidReason, `${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return toTree(doc, what, limits.maxYamlNodes);
}

/** A plain tree of `doc`, counted as expanded; past maxNodes a CsarError YamlBomb naming `what`. */
function toTree(doc: unknown, what: string, maxNodes: number): JsonValue {
  return plainTree(doc, maxNodes, () => new CsarError('YamlBomb',
    `${what} expands to more than ${maxNodes} nodes (limit maxYamlNodes); aliases (*name) repeating anchors (&name) are the usual cause; refused as a YAML bomb`)) as JsonValue;
}
